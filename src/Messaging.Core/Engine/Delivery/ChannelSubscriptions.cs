namespace Messaging;

/// <summary>
/// The node's backplane subscriptions, reference-counted per channel: the first acquire subscribes, the last release
/// unsubscribes. Every envelope is handed to one routing function. A failed acquire counts nothing (do not release it).
/// </summary>
internal sealed class ChannelSubscriptions(EngineContext context, Func<TransportChannel, Envelope, CancellationToken, ValueTask> route)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<TransportChannel, Entry> _entries = [];

    /// <summary>Takes a reference to a channel, subscribing when it is the first.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>A task that completes when the subscription is live.</returns>
    /// <exception cref="MessagingBackendException">The backplane refused the subscription.</exception>
    public async ValueTask AcquireAsync(TransportChannel channel)
    {
        Entry entry;
        bool first;
        lock (_gate)
        {
            first = !_entries.TryGetValue(channel, out entry!);
            if (first)
            {
                entry = new Entry();
                _entries.Add(channel, entry);
            }

            entry.Count++;
        }

        if (!first)
        {
            await entry.Handle.Task.ConfigureAwait(false);
            return;
        }

        try
        {
            var handle = await context.Transport.SubscribeAsync(channel, (envelope, token) => route(channel, envelope, token), CancellationToken.None).ConfigureAwait(false);
            entry.Handle.SetResult(handle);
        }
        catch (Exception exception)
        {
            lock (_gate)
            {
                if (_entries.TryGetValue(channel, out var current) && current == entry)
                {
                    _entries.Remove(channel);
                }
            }

            var failure = new MessagingBackendException("The backplane subscription failed.", exception);
            entry.Handle.SetException(failure);
            throw failure;
        }
    }

    /// <summary>Drops a reference, unsubscribing when it was the last.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>A task that completes when unsubscribed (failures are logged).</returns>
    public async ValueTask ReleaseAsync(TransportChannel channel)
    {
        Entry? last = null;
        lock (_gate)
        {
            if (_entries.TryGetValue(channel, out var entry) && --entry.Count == 0)
            {
                _entries.Remove(channel);
                last = entry;
            }
        }

        if (last is not null)
        {
            await UnsubscribeAsync(channel, last).ConfigureAwait(false);
        }
    }

    /// <summary>Unsubscribes from everything (engine stop).</summary>
    /// <returns>A task that completes when every subscription ended.</returns>
    public async ValueTask ReleaseAllAsync()
    {
        List<KeyValuePair<TransportChannel, Entry>> all;
        lock (_gate)
        {
            all = [.. _entries];
            _entries.Clear();
        }

        foreach (var (channel, entry) in all)
        {
            await UnsubscribeAsync(channel, entry).ConfigureAwait(false);
        }
    }

    private async ValueTask UnsubscribeAsync(TransportChannel channel, Entry entry)
    {
        try
        {
            var handle = await entry.Handle.Task.ConfigureAwait(false);
            await handle.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.Logger.UnsubscribeFailed(channel.Kind, channel.Id, exception);
        }
    }

    private sealed class Entry
    {
        public int Count { get; set; }

        public TaskCompletionSource<IAsyncDisposable> Handle { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
