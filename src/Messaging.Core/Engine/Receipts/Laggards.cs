namespace Messaging;

/// <summary>
/// The members a large group's last sampled receipt check found behind, per conversation, for
/// <see cref="StatusNotifier"/> to read first on the next ack. A hint only: which members are read decides how soon the
/// check succeeds, never its answer. Bounded: a fixed table of <see cref="SlotCount"/> slots indexed by the
/// conversation id's hash, each holding an immutable entry that is replaced, never mutated, so readers need no lock; a
/// conversation whose slot another one took simply has no hint.
/// </summary>
internal sealed class Laggards
{
    public const int SlotCount = 1024;

    private readonly Entry?[] _slots = new Entry?[SlotCount];

    /// <summary>The members last found behind in <paramref name="conversationId"/>, or <see langword="null"/>.</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <returns>The members, or <see langword="null"/> when none are remembered.</returns>
    public string[]? Get(string conversationId)
        => Volatile.Read(ref _slots[Index(conversationId)]) is { } entry && string.Equals(entry.ConversationId, conversationId, StringComparison.Ordinal) ? entry.Members : null;

    /// <summary>Remembers the members found behind in <paramref name="conversationId"/> (none: forgets them).</summary>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="members">The members, or <see langword="null"/>.</param>
    public void Set(string conversationId, string[]? members)
    {
        ref var slot = ref _slots[Index(conversationId)];
        if (members is { Length: > 0 })
        {
            Volatile.Write(ref slot, new Entry(conversationId, members));
        }
        else if (Volatile.Read(ref slot) is { } entry && string.Equals(entry.ConversationId, conversationId, StringComparison.Ordinal))
        {
            Volatile.Write(ref slot, null);
        }
    }

    private static int Index(string conversationId) => StringComparer.Ordinal.GetHashCode(conversationId) & (SlotCount - 1);

    private sealed record Entry(string ConversationId, string[] Members);
}
