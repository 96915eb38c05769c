using System.Collections.Concurrent;

namespace Messaging;

/// <summary>
/// Records, after the commit of a message in a direct conversation, that its sender messaged the other member (the
/// evidence of <see cref="MutualMessageContactPolicy"/>), and republishes both users' presence when that made them
/// contacts, so watchers who just became contacts see the real state without waiting for the next change.
/// </summary>
/// <remarks>
/// A bounded node-local memory of (conversation, sender) pairs already recorded keeps this to one store write per pair
/// per node, not one per message: two generations of at most <see cref="RememberedPerGeneration"/> entries; when the
/// current one fills up it becomes the previous one and the oldest is dropped. A pair is remembered only after its
/// write succeeded, so a failed write is tried again with the sender's next message; a forgotten pair costs one
/// idempotent write.
/// </remarks>
internal sealed class ContactRecorder(EngineContext context, IContactStore contactStore, PresenceService presence)
{
    /// <summary>How many recorded pairs one generation of the node-local memory holds.</summary>
    internal const int RememberedPerGeneration = 65_536;

    private readonly Lock _rotation = new();
    private ConcurrentDictionary<(string ConversationId, string SenderId), byte> _current = new();
    private ConcurrentDictionary<(string ConversationId, string SenderId), byte> _previous = new();
    private int _currentCount;

    /// <summary>Records a committed client message when it was sent in a direct conversation; failures are logged, never thrown.</summary>
    /// <param name="conversation">The conversation it was sent in.</param>
    /// <param name="message">The committed message.</param>
    /// <returns>A task that completes when recorded (at once for a pair this node recorded before).</returns>
    public async ValueTask RecordAsync(Conversation conversation, Message message)
    {
        if (conversation.Kind != ConversationKind.Direct || message.Kind == MessageKind.System)
        {
            return;
        }

        var key = (conversation.Id, message.SenderId);
        if (Remembers(key) || OtherMember(conversation, message.SenderId) is not { } recipientId)
        {
            return;
        }

        try
        {
            var becameContacts = await contactStore.RecordMessageAsync(message.SenderId, recipientId, CancellationToken.None).ConfigureAwait(false);
            Remember(key);
            if (becameContacts)
            {
                await presence.RepublishAsync(message.SenderId, CancellationToken.None).ConfigureAwait(false);
                await presence.RepublishAsync(recipientId, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            context.Logger.PostCommitStepFailed("contacts", message.ConversationId, message.Seq, exception);
        }
    }

    private static string? OtherMember(Conversation conversation, string senderId)
    {
        foreach (var member in conversation.Members)
        {
            if (!string.Equals(member.UserId, senderId, StringComparison.Ordinal))
            {
                return member.UserId;
            }
        }

        return null;
    }

    private bool Remembers((string, string) key)
    {
        if (Volatile.Read(ref _current).ContainsKey(key))
        {
            return true;
        }

        if (!Volatile.Read(ref _previous).ContainsKey(key))
        {
            return false;
        }

        // Still in use: keep it in the generation that survives the next rotation.
        Remember(key);
        return true;
    }

    private void Remember((string, string) key)
    {
        var current = Volatile.Read(ref _current);
        if (!current.TryAdd(key, 0) || Interlocked.Increment(ref _currentCount) < RememberedPerGeneration)
        {
            return;
        }

        lock (_rotation)
        {
            // Another sender may have rotated meanwhile; rotate only the generation that filled up.
            if (ReferenceEquals(_current, current))
            {
                Volatile.Write(ref _previous, current);
                Volatile.Write(ref _current, new ConcurrentDictionary<(string ConversationId, string SenderId), byte>());
                Volatile.Write(ref _currentCount, 0);
            }
        }
    }
}
