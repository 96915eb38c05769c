using System.Collections.Concurrent;

namespace Messaging;

/// <summary>An <see cref="IMessageIdIndex"/> held in process memory.</summary>
/// <remarks>
/// Limits: one process only; lost on restart; entries live as long as the store, like the in-memory messages. An entry
/// is a 128-bit digest of the message id and the conversation's number (conversation ids are kept once each): it holds
/// no reference, so millions of entries cost the garbage collector nothing to keep. Two ids sharing a digest (about
/// 2^-64 among four billion ids) would share an entry; a reader checks the message found against the id it asked for
/// (the engine does), so a collision reads as an unknown id, never as another message.
/// </remarks>
public sealed class InMemoryMessageIdIndex : IMessageIdIndex
{
    private readonly DigestMap<Entry> _locations = new();
    private readonly ConcurrentDictionary<string, int> _numbers = new(StringComparer.Ordinal);
    private readonly Lock _naming = new();
    private string[] _names = new string[16];
    private int _named;

    /// <inheritdoc />
    public ValueTask AddAsync(string messageId, MessageLocation location, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(messageId);
        ArgumentNullException.ThrowIfNull(location.ConversationId, nameof(location));
        cancellationToken.ThrowIfCancellationRequested();
        Add(KeyDigest.Of(messageId), location);
        return ValueTask.CompletedTask;
    }

    // Records an entry (for InMemoryMessageStore's atomic step too).
    internal void Add(KeyDigest messageId, MessageLocation location)
        => _locations.Set(messageId, new Entry(Number(location.ConversationId), location.Seq));

    // Starts loading the slot of a message id's digest (see DigestMap.Prefetch).
    internal void Prefetch(KeyDigest messageId) => _locations.Prefetch(messageId);

    /// <inheritdoc />
    public ValueTask<MessageLocation?> FindAsync(string messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messageId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_locations.TryGetValue(KeyDigest.Of(messageId), out var entry)
            ? new MessageLocation(Volatile.Read(ref _names)[entry.Conversation], entry.Seq)
            : (MessageLocation?)null);
    }

    // The conversation's number, given on its first entry. The name is in place before the number is handed out, and an
    // entry carrying the number is written after that, so whoever finds the entry finds the name.
    private int Number(string conversationId)
    {
        if (_numbers.TryGetValue(conversationId, out var number))
        {
            return number;
        }

        lock (_naming)
        {
            if (_numbers.TryGetValue(conversationId, out number))
            {
                return number;
            }

            var names = _names;
            if (_named == names.Length)
            {
                Array.Resize(ref names, names.Length * 2);
            }

            names[_named] = conversationId;
            Volatile.Write(ref _names, names);
            number = _named++;
            _numbers[conversationId] = number;
            return number;
        }
    }

    private readonly record struct Entry(int Conversation, long Seq);
}
