using Messaging.Testing;
namespace Messaging.Client.Tests.TestSupport;

/// <summary>Two fresh users, alice and bob, each with a recording client, and the direct conversation alice opened with bob.</summary>
internal sealed class DirectChat : IAsyncDisposable
{
    private DirectChat(RecordingClient alice, RecordingClient bob, string conversationId)
    {
        Alice = alice;
        Bob = bob;
        ConversationId = conversationId;
    }

    public RecordingClient Alice { get; }

    public RecordingClient Bob { get; }

    public string ConversationId { get; }

    /// <summary>Connects alice (and bob, unless <paramref name="connectBob"/> is false) and opens their chat.</summary>
    /// <param name="aliceServer">Where alice connects (the server, or a proxy in front of it).</param>
    /// <param name="bobServer">Where bob connects; alice's server when <see langword="null"/>.</param>
    /// <param name="connectBob">Whether bob's WebSocket is opened; his REST calls work either way.</param>
    /// <param name="configureAlice">Adjusts alice's options.</param>
    /// <param name="configureBob">Adjusts bob's options.</param>
    public static async Task<DirectChat> OpenAsync(
        Uri aliceServer,
        Uri? bobServer = null,
        bool connectBob = true,
        Action<MessagingClientOptions>? configureAlice = null,
        Action<MessagingClientOptions>? configureBob = null)
    {
        var alice = await RecordingClient.ConnectAsync(aliceServer, Users.Unique("alice"), configure: configureAlice);
        var bobId = Users.Unique("bob");
        var bob = connectBob
            ? await RecordingClient.ConnectAsync(bobServer ?? aliceServer, bobId, configure: configureBob)
            : RecordingClient.Create(bobServer ?? aliceServer, bobId, configure: configureBob);
        var chat = await alice.Client.CreateDirectConversationAsync(bobId, TestContext.Current.CancellationToken);
        return new DirectChat(alice, bob, chat.ConversationId);
    }

    public async ValueTask DisposeAsync()
    {
        await Alice.DisposeAsync();
        await Bob.DisposeAsync();
    }
}
