using System.Globalization;
using System.Runtime.InteropServices;
using Messaging.Testing.Kafka;
using Messaging.Transports.Kafka;

// Usage: KafkaMockCluster [brokers]   (default 3)
// Prints the cluster's bootstrap servers on one line, then keeps the cluster up until stdin reaches its end (the
// parent closed the pipe or exited) or the process gets SIGTERM or SIGINT. Everything lives in memory: a new run is an
// empty cluster on new ports.
var brokers = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;

// The same loader the transport uses, so the cluster runs in the librdkafka build that loads on this system.
var library = KafkaNativeLibrary.EnsureLoaded()
    ?? throw new InvalidOperationException("librdkafka was not loaded by the messaging loader (not Linux?); the mock cluster needs its path.");
using var cluster = KafkaMockCluster.Start(library, brokers);
Console.Out.WriteLine(cluster.BootstrapServers);
Console.Out.Flush();

using var stop = new CancellationTokenSource();
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
var stdinClosed = Task.Run(async () =>
{
    await using var stdin = Console.OpenStandardInput();
    var buffer = new byte[256];
    while (await stdin.ReadAsync(buffer, stop.Token) > 0)
    {
    }
});

try
{
    await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, stop.Token));
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    // Signalled.
}

return 0;

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}
