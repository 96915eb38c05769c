using System.Collections.Concurrent;

namespace Messaging;

/// <summary>
/// Typing indicators (DESIGN §5): members only; published to the other members (write path: their user channels; read
/// path: the conversation channel, receivers skip the typist) and never stored. Throttled per (user, conversation):
/// "is typing" at most once per <see cref="MessagingOptions.TypingThrottle"/>; "stopped" passes at once after a
/// forwarded "is typing" (receivers must see the change), and a repeated "stopped" at most once per throttle. So what
/// receivers saw last is always the typist's latest forwarded state, and repeats of a state cost nothing.
/// </summary>
internal sealed class TypingService(EngineContext context, IFanoutPolicy fanoutPolicy, ConversationAccess access, NodePublisher publisher)
{
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<(string UserId, string ConversationId), Forwarded> _lastForwarded = new();

    /// <summary>Forwards a typing indicator.</summary>
    /// <param name="userId">The typist.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="isTyping">Started or stopped.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when published (or throttled).</returns>
    public async ValueTask SetTypingAsync(string userId, string conversationId, bool isTyping, CancellationToken cancellationToken)
    {
        var conversation = await access.RequireMemberAsync(conversationId, userId, cancellationToken).ConfigureAwait(false);
        if (!TryPass(userId, conversation.Id, isTyping))
        {
            return;
        }

        var audience = Audiences.Typing(conversation, fanoutPolicy.Choose(conversation), userId);
        await publisher.PublishAsync(audience, new TypingEnvelope(conversation.Id, userId, isTyping), cancellationToken).ConfigureAwait(false);
    }

    private bool TryPass(string userId, string conversationId, bool isTyping)
    {
        var now = context.Now;
        var throttle = context.Options.TypingThrottle;
        var key = (userId, conversationId);
        while (true)
        {
            if (!_lastForwarded.TryGetValue(key, out var last))
            {
                if (_lastForwarded.TryAdd(key, Forwarded.Initial.With(isTyping, now)))
                {
                    PruneIfLarge(now, throttle);
                    return true;
                }

                continue;
            }

            var passes = isTyping
                ? now - last.StartedAt >= throttle
                : last.IsTyping || now - last.StoppedAt >= throttle;
            if (!passes)
            {
                return false;
            }

            if (_lastForwarded.TryUpdate(key, last.With(isTyping, now), last))
            {
                return true;
            }
        }
    }

    // Entries older than the throttle no longer throttle anything; drop them so the map stays small.
    private void PruneIfLarge(DateTimeOffset now, TimeSpan throttle)
    {
        if (_lastForwarded.Count <= PruneAbove)
        {
            return;
        }

        foreach (var (key, last) in _lastForwarded)
        {
            if (now - last.StartedAt >= throttle && now - last.StoppedAt >= throttle)
            {
                _lastForwarded.TryRemove(new KeyValuePair<(string, string), Forwarded>(key, last));
            }
        }
    }

    /// <summary>When each state was last forwarded, and which state that was last.</summary>
    private readonly record struct Forwarded(DateTimeOffset StartedAt, DateTimeOffset StoppedAt, bool IsTyping)
    {
        public static Forwarded Initial { get; } = new(DateTimeOffset.MinValue, DateTimeOffset.MinValue, false);

        public Forwarded With(bool isTyping, DateTimeOffset now) =>
            isTyping ? this with { StartedAt = now, IsTyping = true } : this with { StoppedAt = now, IsTyping = false };
    }
}
