using Messaging.LoadGen;
using Messaging.LoadGen.Cli;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Proxy;

// The load generator: one scenario against one server on loopback, one JSON line of results.
//   dotnet run -c Release --project bench/LoadGen -- --server http://127.0.0.1:5000 --scenario direct --target ours --saturate
// Or the Redis proxy that delays replies and counts commands (for the roundtrips scenario and commands per message):
//   dotnet run -c Release --project bench/LoadGen -- redis-proxy --upstream 127.0.0.1:6379 [--delay-ms D]
if (args is [RedisProxyCommand.Name, ..])
{
    try
    {
        return await RedisProxyCommand.RunAsync(args[1..]);
    }
    catch (ArgumentException exception)
    {
        Console.Error.WriteLine(exception.Message);
        return 2;
    }
}

LoadGenOptions options;
try
{
    options = LoadGenOptions.Parse(args);
}
catch (Exception exception) when (exception is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine(exception.Message);
    Console.Error.WriteLine(LoadGenOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

ScenarioResult result;
var exitCode = 0;
try
{
    result = await LoadRunner.RunAsync(options, cancel.Token);
}
catch (Exception exception) when (exception is not OutOfMemoryException)
{
    // A failed run is still a result: run.sh records it and the report shows it instead of a number.
    result = new ScenarioResult
    {
        Scenario = options.Scenario.ToString().ToLowerInvariant(),
        Target = options.Name,
        Label = options.Label.Length == 0 ? null : options.Label,
        Round = options.Round,
        Error = exception.GetType().Name + ": " + exception.Message,
    };
    exitCode = exception is NotSupportedException ? 3 : 1;
}

var line = result.ToJson();
Console.WriteLine(line);
if (options.Out is { } path)
{
    await File.AppendAllTextAsync(path, line + Environment.NewLine);
}

return exitCode;
