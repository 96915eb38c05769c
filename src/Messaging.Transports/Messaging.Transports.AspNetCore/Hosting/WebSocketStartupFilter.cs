using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Messaging.Transports.AspNetCore.Hosting;

/// <summary>
/// Puts the WebSocket middleware first in the pipeline, so <c>MapMessaging()</c> works without the host calling
/// <c>UseWebSockets()</c>. Harmless when the host calls it too (the middleware only installs its feature once).
/// Keep-alive is set per connection from <see cref="MessagingGatewayOptions"/>.
/// </summary>
internal sealed class WebSocketStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseWebSockets();
        next(app);
    };
}
