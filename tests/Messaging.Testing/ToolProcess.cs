using System.Diagnostics;
using Xunit;

namespace Messaging.Testing;

/// <summary>Runs a command-line tool the tests drive (kcat, a Node script, a bench script) to its end.</summary>
public static class ToolProcess
{
    /// <summary>
    /// Starts the tool with its standard output and error read (standard input, when redirected, is closed at once),
    /// waits for it to exit, and returns what it wrote to standard output. A tool still running after
    /// <paramref name="timeout"/> is killed with its child processes and fails the test; so does a non-zero exit code,
    /// with what the tool wrote.
    /// </summary>
    /// <param name="start">What to run; redirection of output and error is turned on here.</param>
    /// <param name="timeout">How long the tool may run.</param>
    /// <param name="cancellationToken">The test's token: cancelling it kills the tool too.</param>
    /// <returns>The tool's standard output.</returns>
    public static async Task<string> RunAsync(ProcessStartInfo start, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var name = start.ArgumentList.Count > 0 ? $"{Path.GetFileName(start.FileName)} {Path.GetFileName(start.ArgumentList[0])}" : Path.GetFileName(start.FileName);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start.");
        if (start.RedirectStandardInput)
        {
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            Assert.Fail($"{name} did not finish within {timeout}: {await errors.ConfigureAwait(false)}");
        }

        Assert.True(process.ExitCode == 0, $"{name} exited with {process.ExitCode}: {await errors.ConfigureAwait(false)}\n{await output.ConfigureAwait(false)}");
        return await output.ConfigureAwait(false);
    }
}
