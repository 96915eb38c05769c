namespace Messaging;

/// <summary>
/// Records, after the commit of a message in a direct conversation, that its sender messaged the other member (the
/// evidence of <see cref="MutualMessageContactPolicy"/>), and republishes both users' presence when that made them
/// contacts, so watchers who just became contacts see the real state without waiting for the next change.
/// </summary>
/// <remarks>
/// A bounded node-local memory of (conversation, sender) pairs already recorded keeps this to one store write per pair
/// per node, not one per message: a <see cref="GenerationalMemory{TKey, TValue}"/> of two generations of at most
/// <see cref="RememberedPerGeneration"/> entries. A pair is remembered only after its
/// write succeeded, so a failed write is tried again with the sender's next message; a forgotten pair costs one
/// idempotent write.
/// </remarks>
internal sealed class ContactRecorder(EngineContext context, IContactStore contactStore, PresenceService presence)
{
    /// <summary>How many recorded pairs one generation of the node-local memory holds.</summary>
    internal const int RememberedPerGeneration = 65_536;

    private readonly GenerationalMemory<(string ConversationId, string SenderId), byte> _recorded = new(RememberedPerGeneration);

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
        if (_recorded.TryGet(key, out _) || OtherMember(conversation, message.SenderId) is not { } recipientId)
        {
            return;
        }

        try
        {
            var becameContacts = await contactStore.RecordMessageAsync(message.SenderId, recipientId, CancellationToken.None).ConfigureAwait(false);
            _recorded.Remember(key, 0);
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
}
