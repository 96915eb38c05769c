namespace Messaging.LoadGen.Targets;

/// <summary>
/// A baseline that addresses users and groups by name: there is no conversation to create on the server, so a
/// direct route is the recipient's user id and a group route is the group's name.
/// </summary>
internal abstract class NamedRoutesTarget(Uri server) : IChatTarget
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = server };

    protected Uri Server => server;

    public abstract Task<IChatConnection> ConnectAsync(string user, IDeliverySink sink, int sourceIndex = 0, CancellationToken cancellationToken = default);

    public Task<string> DirectRouteAsync(string from, string to, CancellationToken cancellationToken = default) => Task.FromResult(to);

    public Task<string> CreateGroupAsync(string name, IReadOnlyList<string> members, CancellationToken cancellationToken = default) => Task.FromResult(name);

    public Task<Measurement.ServerStats?> StatsAsync(bool collect, CancellationToken cancellationToken = default) =>
        Measurement.ServerStats.FetchAsync(_http, collect, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
