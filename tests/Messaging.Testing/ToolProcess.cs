using System.Diagnostics;
using Xunit;

namespace Messaging.Testing;

/// <summary>Runs a command-line tool the tests drive (kcat, a Node script, a bench script) to its end.</summary>
public static class ToolProcess
{
    /// <summary>
    /// Starts the tool with its standard output and error read, writes <paramref name="input"/> to its standard input
    /// and closes it (standard input, when redirected without input, is closed at once), waits for the tool to exit,
    /// and returns what it wrote to standard output. A tool still running after <paramref name="timeout"/> is killed
    /// with its child processes and fails the test; so does a non-zero exit code, with what the tool wrote.
    /// </summary>
    /// <param name="start">What to run; redirection of output and error (and of input, with input) is turned on here.</param>
    /// <param name="timeout">How long the tool may run.</param>
    /// <param name="cancellationToken">The test's token: cancelling it kills the tool too.</param>
    /// <param name="input">What the tool reads on its standard input, if anything.</param>
    /// <returns>The tool's standard output.</returns>
    public static async Task<string> RunAsync(ProcessStartInfo start, TimeSpan timeout, CancellationToken cancellationToken = default, string? input = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput |= input is not null;
        start.UseShellExecute = false;
        var name = start.ArgumentList.Count > 0 ? $"{Path.GetFileName(start.FileName)} {Path.GetFileName(start.ArgumentList[0])}" : Path.GetFileName(start.FileName);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start.");

        // Output is read from the start, so a tool writing while it still reads its input never blocks on a full pipe.
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            if (start.RedirectStandardInput)
            {
                if (input is not null)
                {
                    await process.StandardInput.WriteAsync(input.AsMemory(), deadline.Token).ConfigureAwait(false);
                }

                process.StandardInput.Close();
            }

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
