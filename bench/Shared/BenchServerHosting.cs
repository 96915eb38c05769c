using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Messaging.Bench;

/// <summary>
/// What every bench server shares, so the three targets differ only in what they measure: a loopback listener on a
/// free port announced on stdout (<c>listening http://127.0.0.1:PORT</c>, which bench/run.sh waits for) and
/// <c>GET /bench/stats</c>, the process's own memory, CPU and JIT counters as the load generator reads them.
/// </summary>
internal static class BenchServerHosting
{
    /// <summary>The URL a bench server listens on unless <c>--urls</c> says otherwise: loopback, any free port.</summary>
    public const string DefaultUrls = "http://127.0.0.1:0";

    /// <summary>
    /// Maps <c>GET /bench/stats</c>: process RSS, GC heap and committed bytes, bytes allocated and CPU time so far; with <c>?gc=1</c> after a full,
    /// compacting collection, so before/after differences are the memory that live connections hold. <c>jit_methods</c> and
    /// <c>jit_ms</c> are the runtime's own JIT counters (methods compiled so far, every tier, and the time spent compiling them):
    /// the load generator warms a server up until <c>jit_methods</c> stops growing, so the measurement runs optimised code.
    /// </summary>
    public static void MapBenchStats(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/bench/stats", static (HttpContext context) =>
        {
            if (context.Request.Query.ContainsKey("gc"))
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            }

            using var process = Process.GetCurrentProcess();
            var info = GC.GetGCMemoryInfo();
            var json = string.Create(
                CultureInfo.InvariantCulture,
                $"{{\"rss_bytes\":{process.WorkingSet64},\"gc_heap_bytes\":{GC.GetTotalMemory(false)},\"gc_committed_bytes\":{info.TotalCommittedBytes},\"allocated_bytes\":{GC.GetTotalAllocatedBytes(precise: false)},\"cpu_ms\":{process.TotalProcessorTime.TotalMilliseconds:0},\"threads\":{process.Threads.Count},\"jit_methods\":{System.Runtime.JitInfo.GetCompiledMethodCount()},\"jit_ms\":{System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:0.###}}}");
            return Results.Text(json, "application/json");
        });

    /// <summary>Starts the server, prints the address it listens on, and runs until stopped (Ctrl+C or SIGTERM).</summary>
    public static async Task RunBenchServerAsync(this WebApplication app, string name)
    {
        await app.StartAsync().ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        foreach (var address in addresses)
        {
            Console.WriteLine($"listening {address} ({name}, pid {Environment.ProcessId})");
        }

        await app.WaitForShutdownAsync().ConfigureAwait(false);
    }

    /// <summary>The value after <paramref name="name"/> in <paramref name="args"/>, or <see langword="null"/>.</summary>
    public static string? Option(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
