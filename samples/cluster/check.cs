#:project ../../src/Messaging.Client/Messaging.Client.csproj
#:property OutputType=Exe

// Drives two users through the load balancer and checks the end-to-end guarantee while you kill gateways:
// alice sends numbered messages at a steady pace, bob receives; at the end every message acknowledged as sent must
// have reached bob exactly once, in seq order.
//   dotnet run samples/cluster/check.cs -- [http://localhost:5000] [messages=60]
using Messaging.Client;

var server = new Uri(args.Length > 0 ? args[0] : "http://localhost:5000");
var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 60;
var run = Guid.NewGuid().ToString("N")[..6];

await using var alice = Connect($"alice-{run}");
await using var bob = Connect($"bob-{run}");
var received = new List<Messaging.Protocol.MessageData>();
var reconnects = 0;
bob.MessageReceived += (_, e) => { lock (received) { received.Add(e.Message); } };
alice.Reconnected += (_, _) => Interlocked.Increment(ref reconnects);
bob.Reconnected += (_, _) => Interlocked.Increment(ref reconnects);
await alice.ConnectAsync();
await bob.ConnectAsync();

var chat = await alice.CreateDirectConversationAsync($"bob-{run}");
Console.WriteLine($"alice-{run} -> bob-{run} in {chat.ConversationId}, {count} messages through {server}");

var sent = new List<SentMessage>();
for (var i = 1; i <= count; i++)
{
    try
    {
        sent.Add(await alice.SendAsync(chat.ConversationId, $"message {i}").WaitAsync(TimeSpan.FromSeconds(30)));
        Console.Write(i % 10 == 0 ? $"{i}" : ".");
    }
    catch (Exception exception) when (exception is MessagingClientException or TimeoutException)
    {
        Console.Write("x");
    }

    await Task.Delay(250);   // pacing: leaves time to kill a gateway mid-stream
}

Console.WriteLine();
var expected = sent.Select(s => s.MessageId).ToHashSet();
var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
while (DateTime.UtcNow < deadline && !expected.IsSubsetOf(Snapshot().Select(m => m.MessageId)))
{
    await Task.Delay(100);
}

var got = Snapshot();
var missing = expected.Except(got.Select(m => m.MessageId)).Count();
var duplicates = got.Count - got.Select(m => m.MessageId).Distinct().Count();
var ordered = got.Select(m => m.Seq).SequenceEqual(got.Select(m => m.Seq).Order());
Console.WriteLine($"acknowledged {sent.Count}/{count}, received {got.Count}, missing {missing}, duplicates {duplicates}, in order {ordered}, reconnects {reconnects}");
return missing == 0 && duplicates == 0 && ordered ? 0 : 1;

List<Messaging.Protocol.MessageData> Snapshot()
{
    lock (received)
    {
        return [.. received];
    }
}

MessagingClient Connect(string user) => new(new MessagingClientOptions
{
    ServerUri = server,
    AccessTokenProvider = _ => ValueTask.FromResult(user),
    DeviceId = "check",
    Reconnect = new ReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) },
});
