using Messaging.Transports.AspNetCore;
using Messaging.Transports.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the WebSocket and REST gateway of the messaging SDK.</summary>
public static class MessagingGatewayServiceCollectionExtensions
{
    /// <summary>
    /// Registers the gateway that <c>app.MapMessaging()</c> serves: its options (validated at start), authorization
    /// and the WebSocket middleware. The engine itself comes from <c>AddMessaging()</c>; authentication from the host.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Configures the options, if needed.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddMessagingGateway(this IServiceCollection services, Action<MessagingGatewayOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<MessagingGatewayOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MessagingGatewayOptions>, MessagingGatewayOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStartupFilter, WebSocketStartupFilter>());
        services.TryAddSingleton<GatewayMetrics>();
        services.TryAddSingleton<EncodedMessageCache>();
        services.TryAddSingleton<IdleConnectionSweep>();
        services.TryAddSingleton<WebSocketEndpoint>();
        services.TryAddSingleton<UserConnectionLimits>();
        services.TryAddSingleton<UserRequestLimiter>();
        services.AddMetrics();
        services.AddAuthorization();
        return services;
    }
}
