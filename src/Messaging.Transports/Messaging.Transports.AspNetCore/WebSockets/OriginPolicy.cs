using Microsoft.AspNetCore.Http;

namespace Messaging.Transports.AspNetCore;

/// <summary>
/// Which pages may open the WebSocket (<see cref="MessagingGatewayOptions.AllowedOrigins"/>). A browser sends the
/// user's cookies with any site's WebSocket handshake and only the <c>Origin</c> header tells the sites apart, so
/// without a list only the gateway's own origin is allowed. Requests without <c>Origin</c> come from non-browser
/// clients, which carry no ambient credentials, and are allowed.
/// </summary>
internal sealed class OriginPolicy
{
    /// <summary>The allow-list entry that allows every origin.</summary>
    public const string AnyOrigin = "*";

    private readonly string[] _allowed;
    private readonly bool _anyOrigin;

    public OriginPolicy(MessagingGatewayOptions options)
    {
        _anyOrigin = options.AllowedOrigins.Contains(AnyOrigin);
        _allowed = options.AllowedOrigins.Where(origin => origin != AnyOrigin).ToArray();
    }

    public bool IsAllowed(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0 || _anyOrigin)
        {
            return true;
        }

        if (_allowed.Length == 0)
        {
            return IsSameOrigin(origin, request.Host);
        }

        foreach (var allowed in _allowed)
        {
            if (string.Equals(allowed, origin, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The <c>Origin</c> names the host and port the request was sent to. The scheme is not compared: where TLS ends
    /// at a proxy the page is <c>https</c> while the request arrives as <c>http</c>. A <c>Host</c> without a port
    /// means the default port of the page's scheme, the way browsers write both headers.
    /// </summary>
    private static bool IsSameOrigin(string origin, HostString host)
    {
        if (!host.HasValue || !Uri.TryCreate(origin, UriKind.Absolute, out var page) || page.Scheme is not ("http" or "https"))
        {
            return false;
        }

        var port = host.Port ?? (page.Scheme == Uri.UriSchemeHttps ? 443 : 80);
        return page.Port == port && string.Equals(page.Host, host.Host, StringComparison.OrdinalIgnoreCase);
    }
}
