#:project ../../src/Messaging.Client/Messaging.Client.csproj
#:property OutputType=Exe

// Drives two users through the load balancer and checks the end-to-end guarantee while you kill gateways:
// alice sends numbered messages at a steady pace, bob receives; at the end every message acknowledged as sent must
// have reached bob exactly once, in seq order. Then alice sends a photo and bob downloads it through every gateway.
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

// Media: alice uploads a photo (tus) and sends it; bob downloads it three times without a cookie, so the load
// balancer spreads the downloads over the gateways; every copy must have the uploaded bytes.
var photo = new byte[(3 * 1024 * 1024) / 2];
Random.Shared.NextBytes(photo);
new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(photo, 0);
var uploaded = await alice.UploadMediaAsync(new MemoryStream(photo), "check.png", "image/png");
await alice.SendAsync(chat.ConversationId, "a photo", uploaded.MediaId);
deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
while (DateTime.UtcNow < deadline && !Snapshot().Any(m => m.MediaId == uploaded.MediaId))
{
    await Task.Delay(100);
}

var photoReceived = Snapshot().Any(m => m.MediaId == uploaded.MediaId);
var expectedHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(photo));
var intact = 0;
var servedBy = new List<string>();
using (var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server })
{
    http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", $"bob-{run}");
    for (var i = 0; i < 3; i++)
    {
        using var response = await http.GetAsync($"media/{uploaded.MediaId}");
        servedBy.Add(response.Headers.TryGetValues("X-Gateway", out var gateway) ? string.Join(',', gateway) : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (response.IsSuccessStatusCode && Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await response.Content.ReadAsByteArrayAsync())) == expectedHash)
        {
            intact++;
        }
    }
}

Console.WriteLine($"media {uploaded.MediaId}: {photo.Length} bytes, received by bob {photoReceived}, downloads intact {intact}/3 (served by {string.Join(' ', servedBy)})");
return missing == 0 && duplicates == 0 && ordered && photoReceived && intact == 3 ? 0 : 1;

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
