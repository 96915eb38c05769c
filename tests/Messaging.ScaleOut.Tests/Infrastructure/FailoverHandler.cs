using System.Net.Sockets;

namespace Messaging.ScaleOut.Tests.Infrastructure;

/// <summary>
/// What a load balancer does for a client, in its HTTP stack: every request (REST and the WebSocket handshake) goes to
/// the current gateway; when that gateway refuses connections, the next one in the list becomes current. Plugged into
/// <c>MessagingClientOptions.HttpMessageHandler</c>, so the client's own reconnect loop lands on a live gateway.
/// </summary>
internal sealed class FailoverHandler(IReadOnlyList<Uri> gateways, int first) : DelegatingHandler(new SocketsHttpHandler())
{
    private int _current = first;

    /// <summary>How many times a refused gateway was skipped.</summary>
    public int Failovers { get; private set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!;
        for (var attempt = 0; ; attempt++)
        {
            var current = Volatile.Read(ref _current);
            var target = gateways[current % gateways.Count];
            request.RequestUri = new UriBuilder(path) { Host = target.Host, Port = target.Port }.Uri;
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException exception) when (exception.InnerException is SocketException && attempt < gateways.Count)
            {
                Interlocked.CompareExchange(ref _current, current + 1, current);
                Failovers++;
            }
        }
    }
}
