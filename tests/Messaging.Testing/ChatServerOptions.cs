using Messaging.Transports.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Testing;

/// <summary>Hooks to shape a <see cref="ChatServer"/> before it starts.</summary>
public sealed class ChatServerOptions
{
    /// <summary>The path prefix passed to <c>MapMessaging</c>; empty for the root.</summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>Whether to register the insecure development authentication as the default scheme. Default <see langword="true"/>.</summary>
    public bool DevelopmentAuthentication { get; set; } = true;

    /// <summary>Configures the engine's options.</summary>
    public Action<MessagingOptions>? ConfigureMessaging { get; set; }

    /// <summary>Configures the gateway's options.</summary>
    public Action<MessagingGatewayOptions>? ConfigureGateway { get; set; }

    /// <summary>Adds or replaces services after the defaults (a <see cref="TimeProvider"/>, adapters, logging).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>Adds middleware or endpoints before <c>MapMessaging</c>.</summary>
    public Action<WebApplication>? ConfigureApp { get; set; }
}
