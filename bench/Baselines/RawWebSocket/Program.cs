using System.Buffers;
using System.Net.WebSockets;
using Messaging.Bench;
using RawWebSocket;

// Raw Kestrel WebSockets: echo and fan-out of opaque text frames, the most this machine can deliver.
//   dotnet run -c Release --project bench/Baselines/RawWebSocket -- [--urls URL]
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, EnvironmentName = "Production" });
builder.WebHost.UseUrls(BenchServerHosting.Option(args, "--urls") ?? BenchServerHosting.DefaultUrls);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton<RawRouter>();

var app = builder.Build();
app.UseWebSockets();
app.Map("/ws", static async (HttpContext context, RawRouter router) =>
{
    if (!context.WebSockets.IsWebSocketRequest || context.Request.Query["user"].ToString() is not { Length: > 0 } user)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        return;
    }

    using var socket = await context.WebSockets.AcceptWebSocketAsync();
    var connection = new RawConnection(socket, user);
    router.Add(connection);
    var writer = connection.RunWriterAsync();
    var buffer = new ArrayBufferWriter<byte>(1024);
    try
    {
        while (socket.State == WebSocketState.Open)
        {
            var result = await socket.ReceiveAsync(buffer.GetMemory(1024), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            buffer.Advance(result.Count);
            if (result.EndOfMessage)
            {
                router.Route(connection, buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }
    }
    catch (WebSocketException)
    {
        // The client went away without a close handshake.
    }
    finally
    {
        router.Remove(connection);
        connection.Complete();
        await writer;
    }

    if (socket.State == WebSocketState.CloseReceived)
    {
        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }
});
app.MapBenchStats();
await app.RunBenchServerAsync("raw websocket");
