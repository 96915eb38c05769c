using System.Text;

namespace Messaging.Kafka.Tests;

/// <summary>Records an inbox's payloads (as text) and positions; completes waiters when a count has arrived.</summary>
internal sealed class InboxRecorder
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly List<(long Position, string Text)> _received = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

    public IReadOnlyList<string> Texts
    {
        get
        {
            lock (_gate)
            {
                return [.. _received.Select(r => r.Text)];
            }
        }
    }

    public IReadOnlyList<long> Positions
    {
        get
        {
            lock (_gate)
            {
                return [.. _received.Select(r => r.Position)];
            }
        }
    }

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public ValueTask HandleAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) => HandleAsync(0, payload, cancellationToken);

    public ValueTask HandleAsync(long position, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _received.Add((position, Encoding.UTF8.GetString(payload.Span)));
            foreach (var waiter in _waiters.Where(w => _received.Count >= w.Count).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Waits until at least <paramref name="count"/> payloads arrived, failing after a deadline.</summary>
    public async Task WaitForAsync(int count)
    {
        Task done;
        lock (_gate)
        {
            if (_received.Count >= count)
            {
                return;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, waiter));
            done = waiter.Task;
        }

        try
        {
            await done.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Timed out after {Timeout} waiting for {count} payloads; {Texts.Count} arrived.");
        }
    }
}
