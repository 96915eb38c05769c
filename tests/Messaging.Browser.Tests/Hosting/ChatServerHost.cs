using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Browser.Tests.Hosting;

/// <summary>
/// The sample's own Program (the exact app `dotnet run --project samples/ChatServer` starts) on a real Kestrel
/// server bound to a free loopback port, so a real browser can reach it.
/// </summary>
internal sealed class ChatServerHost : WebApplicationFactory<Program>
{
    private readonly string _environment;
    private readonly IReadOnlyDictionary<string, string?> _settings;

    /// <param name="environment">The hosting environment.</param>
    /// <param name="settings">Configuration on top of the sample's own.</param>
    /// <param name="port">A fixed port (to start a server again where an earlier one ran); 0 picks a free one.</param>
    public ChatServerHost(string environment = "Development", IReadOnlyDictionary<string, string?>? settings = null, int port = 0)
    {
        _environment = environment;
        _settings = settings ?? new Dictionary<string, string?>();
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
    }

    /// <summary>Starts the server; returns its base address (http://127.0.0.1:port/).</summary>
    public Uri Start()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
            ?? throw new InvalidOperationException("Kestrel reports no addresses.");
        return new Uri(addresses.Addresses.Single() + "/");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(_environment);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Messaging", "Warning");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
