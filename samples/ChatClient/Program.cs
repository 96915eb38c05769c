using System.Text;
using ChatClient;
using Messaging.Client;

// dotnet run --project samples/ChatClient -- --server http://localhost:5000 --user alice [--device phone]
Console.OutputEncoding = Encoding.UTF8;
if (ChatArguments.Parse(args, Console.Out, Console.Error, out var exitCode) is not { } arguments)
{
    return exitCode;
}

using var quit = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    quit.Cancel();
};

var terminal = new Terminal();
await using var client = new MessagingClient(new MessagingClientOptions
{
    ServerUri = arguments.Server,

    // The sample server's development authentication takes the user id as the token.
    AccessTokenProvider = _ => ValueTask.FromResult(arguments.User),
    DeviceId = arguments.Device,
});

var app = new ChatApp(client, terminal, arguments.User);
try
{
    await app.RunAsync(quit.Token);
    return 0;
}
catch (OperationCanceledException) when (quit.IsCancellationRequested)
{
    return 0;
}
catch (MessagingClientException ex)
{
    Console.Error.WriteLine($"error: {ex.Message} ({ex.Code})");
    return 1;
}
