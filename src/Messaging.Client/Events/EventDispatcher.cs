using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Messaging.Client.Events;

/// <summary>
/// Delivers client events, in the order they were published, to the C# event handlers and to every
/// <see cref="MessagingClient.ReadEventsAsync"/> reader, on one background loop. Publishing never blocks, so a slow
/// handler or reader never stalls the receive loop; the queues are unbounded (documented on the client).
/// </summary>
internal sealed class EventDispatcher
{
    private readonly Channel<MessagingClientEvent> _queue =
        Channel.CreateUnbounded<MessagingClientEvent>(new UnboundedChannelOptions { SingleReader = true });

    private readonly object _gate = new();
    private readonly Action<MessagingClientEvent> _invokeHandlers;
    private readonly Task _loop;
    private Channel<MessagingClientEvent>[] _readers = [];
    private bool _completed;

    /// <summary>Starts the dispatch loop.</summary>
    /// <param name="invokeHandlers">Invokes the C# event handlers for one event; must not throw.</param>
    public EventDispatcher(Action<MessagingClientEvent> invokeHandlers)
    {
        _invokeHandlers = invokeHandlers;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues an event. Thread-safe, non-blocking; events published by one thread keep their order.</summary>
    /// <param name="clientEvent">The event.</param>
    public void Publish(MessagingClientEvent clientEvent) => _queue.Writer.TryWrite(clientEvent);

    /// <summary>Registers a reader that sees every event published from now on.</summary>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <returns>The events, until the client is disposed or the token is cancelled.</returns>
    public IAsyncEnumerable<MessagingClientEvent> Subscribe(CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<MessagingClientEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        lock (_gate)
        {
            if (_completed)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                _readers = [.. _readers, channel];
            }
        }

        return ReadAsync(channel, cancellationToken);
    }

    /// <summary>Stops accepting events, delivers the queued ones and ends every reader.</summary>
    /// <returns>Completes when the loop has finished.</returns>
    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        lock (_gate)
        {
            _completed = true;
            foreach (var reader in _readers)
            {
                reader.Writer.TryComplete();
            }

            _readers = [];
        }
    }

    private async Task RunAsync()
    {
        await foreach (var clientEvent in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            _invokeHandlers(clientEvent);
            foreach (var reader in Volatile.Read(ref _readers))
            {
                reader.Writer.TryWrite(clientEvent);
            }
        }
    }

    private async IAsyncEnumerable<MessagingClientEvent> ReadAsync(Channel<MessagingClientEvent> channel, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var clientEvent in channel.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return clientEvent;
            }
        }
        finally
        {
            lock (_gate)
            {
                _readers = Array.FindAll(_readers, r => r != channel);
            }
        }
    }
}
