using System.Diagnostics;
using System.Reflection;

namespace Messaging.Media.Tests;

/// <summary>Finds Node and the test tools of <c>tests/tools</c> (installed by <c>npm ci</c>), and runs their scripts.</summary>
internal static class NodeTools
{
    public static string Directory { get; } = typeof(NodeTools).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "NodeToolsDirectory").Value!;

    /// <summary>Why the tool cannot run here, or <see langword="null"/> when it can.</summary>
    public static string? MissingReason(string package)
    {
        if (FindNode() is null)
        {
            return "node is not on PATH (install nodejs and npm, then run npm ci in tests/tools)";
        }

        return System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", package))
            ? null
            : $"the npm package {package} is not installed (run npm ci in {Directory})";
    }

    public static ProcessStartInfo StartInfo(string script, params string[] arguments)
    {
        var info = new ProcessStartInfo(FindNode() ?? "node")
        {
            WorkingDirectory = Directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(Directory, script));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Node's own proxy settings must not send test traffic off the machine.
        info.Environment.Remove("HTTP_PROXY");
        info.Environment.Remove("HTTPS_PROXY");
        info.Environment.Remove("http_proxy");
        info.Environment.Remove("https_proxy");
        return info;
    }

    /// <summary>Runs a script to its end and returns its standard output, failing the test on a non-zero exit.</summary>
    public static Task<string> RunAsync(TimeSpan timeout, string script, params string[] arguments)
        => Messaging.Testing.ToolProcess.RunAsync(StartInfo(script, arguments), timeout);

    private static string? FindNode()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, "node");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
