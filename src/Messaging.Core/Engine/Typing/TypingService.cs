using System.Collections.Concurrent;

namespace Messaging;

/// <summary>
/// Typing indicators (DESIGN §5): members only; "is typing" is forwarded at most once per
/// <see cref="MessagingOptions.TypingThrottle"/> per (user, conversation), "stopped" always; published to the other
/// members (write path: their user channels; read path: the conversation channel, receivers skip the typist) and
/// never stored.
/// </summary>
internal sealed class TypingService(EngineContext context, ConversationAccess access)
{
    private const int PruneAbove = 10_000;

    private readonly ConcurrentDictionary<(string UserId, string ConversationId), DateTimeOffset> _lastForwarded = new();

    /// <summary>Forwards a typing indicator.</summary>
    /// <param name="userId">The typist.</param>
    /// <param name="conversationId">The conversation.</param>
    /// <param name="isTyping">Started or stopped.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when published (or throttled).</returns>
    public async ValueTask SetTypingAsync(string userId, string conversationId, bool isTyping, CancellationToken cancellationToken)
    {
        var conversation = await access.RequireMemberAsync(conversationId, userId, cancellationToken).ConfigureAwait(false);
        if (isTyping && !TryPass(userId, conversation.Id))
        {
            return;
        }

        var channels = FanoutChannels.ForTyping(conversation, context.Fanout.Choose(conversation), userId);
        await context.PublishAsync(channels, new TypingEnvelope(conversation.Id, userId, isTyping), cancellationToken).ConfigureAwait(false);
    }

    private bool TryPass(string userId, string conversationId)
    {
        var now = context.Now;
        var throttle = context.Options.TypingThrottle;
        var key = (userId, conversationId);
        while (true)
        {
            if (!_lastForwarded.TryGetValue(key, out var last))
            {
                if (_lastForwarded.TryAdd(key, now))
                {
                    PruneIfLarge(now, throttle);
                    return true;
                }

                continue;
            }

            if (now - last < throttle)
            {
                return false;
            }

            if (_lastForwarded.TryUpdate(key, now, last))
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
            if (now - last >= throttle)
            {
                _lastForwarded.TryRemove(new KeyValuePair<(string, string), DateTimeOffset>(key, last));
            }
        }
    }
}
