using System.Diagnostics;
using Messaging.Transports.Kafka;
using Messaging.Conformance;
using static Messaging.Kafka.Tests.Payloads;

namespace Messaging.Kafka.Tests.Hosting;

// The console tool other processes use: it prints a working bootstrap list and stops when its stdin closes.
public sealed class KafkaMockClusterToolTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_tool_prints_bootstrap_servers_a_transport_can_use_and_exits_when_stdin_closes()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "KafkaMockCluster.dll"), "2"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var tool = Process.Start(start) ?? throw new InvalidOperationException("The tool did not start.");
        try
        {
            var line = await tool.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeout, TestContext.Current.CancellationToken);
            Assert.NotNull(line);
            Assert.All(line.Split(','), server => Assert.StartsWith("127.0.0.1:", server, StringComparison.Ordinal));
            Assert.Equal(2, line.Split(',').Length);

            await using var transport = new KafkaMessageTransport(KafkaFixture.Options(line));
            var node = "node-" + Guid.NewGuid().ToString("N");
            var inbox = new PayloadRecorder();
            await using var open = await transport.OpenInboxAsync(node, inbox.HandleAsync, TestContext.Current.CancellationToken);
            await transport.PublishAsync([node], Bytes("across processes"), TestContext.Current.CancellationToken);
            await inbox.WaitForAsync(1);
            Assert.Equal(["across processes"], inbox.Texts());
        }
        finally
        {
            tool.StandardInput.Close();
            await tool.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, tool.ExitCode);
    }
}
