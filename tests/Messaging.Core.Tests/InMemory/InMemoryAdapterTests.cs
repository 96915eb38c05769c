using Messaging.Tests.Engine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Messaging.Tests.InMemory;

// Behaviour of the in-memory adapters beyond the role suites.
public sealed class InMemoryAdapterTests
{
    private static readonly DateTimeOffset Epoch = new(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sequencer_built_on_a_store_continues_after_the_stores_last_seq()
    {
        var store = new InMemoryMessageStore();
        foreach (var seq in new[] { 1L, 2L, 3L })
        {
            await store.AppendAsync(Message("c1", seq), Token);
        }

        var sequencer = new InMemorySequencer(store);

        Assert.Equal(3, await sequencer.CurrentAsync("c1", Token));
        Assert.Equal(4, await sequencer.NextAsync("c1", Token));
        Assert.Equal(1, await sequencer.NextAsync("c2", Token));
    }

    [Fact]
    public async Task Message_store_reads_nothing_before_the_first_seq()
    {
        var store = new InMemoryMessageStore();
        await store.AppendAsync(Message("c1", 1), Token);

        Assert.Empty(await store.ReadBeforeAsync("c1", 1, 10, Token));
        Assert.Empty(await store.ReadBeforeAsync("c1", long.MinValue, 10, Token));
        Assert.Empty(await store.ReadAfterAsync("c1", 0, 0, Token));
    }

    [Fact]
    public async Task Transport_drops_and_counts_payloads_when_an_inbox_queue_is_full()
    {
        await using var transport = new InMemoryMessageTransport(queueCapacity: 1);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handled = new List<string>();
        var bothHandled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var channel = "alice";
        await transport.OpenInboxAsync(channel, async (envelope, _) =>
        {
            entered.TrySetResult();
            await release.Task;
            lock (handled)
            {
                handled.Add(System.Text.Encoding.UTF8.GetString(envelope.Span));
                if (handled.Count == 2)
                {
                    bothHandled.TrySetResult();
                }
            }
        }, Token);

        await transport.PublishAsync([channel], Typing(0), Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);   // the handler holds #0: the queue is empty
        await transport.PublishAsync([channel], Typing(1), Token);   // queued
        await transport.PublishAsync([channel], Typing(2), Token);   // dropped: the queue holds one

        Assert.Equal(1, transport.DroppedEnvelopes);
        release.SetResult();

        // Wait for the handler itself (disposing first would discard the queued envelope on purpose).
        await bothHandled.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        Assert.Equal(["user0", "user1"], handled);
        Assert.Equal(1, transport.DroppedEnvelopes);
    }

    [Fact]
    public async Task Transport_handler_may_close_its_own_inbox()
    {
        await using var transport = new InMemoryMessageTransport();
        var channel = "alice";
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        IAsyncDisposable? subscription = null;
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscription = await transport.OpenInboxAsync(channel, async (_, _) =>
        {
            Interlocked.Increment(ref calls);
            await subscribed.Task;
            await subscription!.DisposeAsync();
            disposed.TrySetResult();
        }, Token);
        subscribed.SetResult();

        await transport.PublishAsync([channel], Typing(0), Token);
        await disposed.Task.WaitAsync(TimeSpan.FromSeconds(10), Token);
        await transport.PublishAsync([channel], Typing(1), Token);

        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task Expired_deduplication_claims_are_removed_in_the_order_made_across_the_queue_blocks()
    {
        var clock = new FakeTimeProvider(Epoch);
        var store = new InMemoryDeduplicationStore(clock);
        var window = TimeSpan.FromMinutes(1);

        // 2,500 claims (more than two blocks of the queue of claims made), a second apart in three runs.
        for (var i = 0; i < 2500; i++)
        {
            Assert.True((await store.ClaimAsync(new("c", "a", "old" + i), i + 1, window, Token)).Claimed);
            if (i is 999 or 1999)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
            }
        }

        // Only the first run expired: each new claim removes at most two, from the head, never one still live.
        clock.Advance(window - TimeSpan.FromSeconds(1.5));
        for (var i = 0; i < 1000; i++)
        {
            Assert.True((await store.ClaimAsync(new("c", "b", "new" + i), 10_000 + i, window, Token)).Claimed);
        }

        Assert.Equal(2500, store.Count);
        Assert.Null(await store.FindAsync(new("c", "a", "old999"), Token));
        Assert.Equal(1001, await store.FindAsync(new("c", "a", "old1000"), Token));

        // Then the rest expire and are removed across the blocks, the new claims staying.
        clock.Advance(TimeSpan.FromSeconds(2));
        for (var i = 0; i < 1000; i++)
        {
            Assert.True((await store.ClaimAsync(new("c", "b", "newer" + i), 20_000 + i, window, Token)).Claimed);
        }

        Assert.Equal(2000, store.Count);
        Assert.Equal(10_000, await store.FindAsync(new("c", "b", "new0"), Token));
        Assert.Equal(20_999, await store.FindAsync(new("c", "b", "newer999"), Token));
    }

    [Fact]
    public void Message_ids_are_lower_case_uuid_v7_carrying_the_clock_time()
    {
        var clock = new FakeTimeProvider(Epoch);
        var generator = new UuidV7MessageIdGenerator(clock);

        var first = generator.NewMessageId();
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var second = generator.NewMessageId();

        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", first);
        Assert.Equal(Epoch.ToUnixTimeMilliseconds().ToString("x12"), first.Replace("-", "", StringComparison.Ordinal)[..12]);
        Assert.True(string.CompareOrdinal(first, second) < 0, "a later id sorts after an earlier one");
        Assert.Equal(1000, Enumerable.Range(0, 1000).Select(_ => generator.NewMessageId()).Distinct().Count());
    }

    [Fact]
    public void Message_ids_take_their_random_bits_from_blocks_not_a_system_call_per_id()
    {
        if (!File.Exists("/proc/thread-self/io"))
        {
            Assert.Skip("Counting a thread's system calls needs Linux's /proc/thread-self/io.");
        }

        var generator = new UuidV7MessageIdGenerator(new FakeTimeProvider(Epoch));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        long readCalls = 0;

        // One thread of its own, so the count holds only this thread's reads: the ids' and the two reads of the count.
        var thread = new Thread(() =>
        {
            generator.NewMessageId();
            var before = ReadCallsOfThisThread();
            for (var i = 0; i < 1000; i++)
            {
                ids.Add(generator.NewMessageId());
            }

            readCalls = ReadCallsOfThisThread() - before;
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the generating thread finished");

        Assert.Equal(1000, ids.Count);
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id));
        Assert.True(readCalls < 50, $"1,000 ids made {readCalls} read system calls");
    }

    private static long ReadCallsOfThisThread()
    {
        foreach (var line in File.ReadAllLines("/proc/thread-self/io"))
        {
            if (line.StartsWith("syscr:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan("syscr:".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException("/proc/thread-self/io has no syscr line.");
    }

    [Fact]
    public async Task Contacts_are_users_who_each_sent_the_other_a_direct_message()
    {
        var contacts = new InMemoryContactStore();
        var policy = new MutualMessageContactPolicy(contacts);
        await contacts.RecordMessageAsync("alice", "bob", Token);
        await contacts.RecordMessageAsync("carol", "alice", Token);
        await contacts.RecordMessageAsync("alice", "carol", Token);

        Assert.False(await policy.IsContactAsync("alice", "bob", Token));
        Assert.False(await policy.IsContactAsync("bob", "alice", Token));
        Assert.True(await policy.IsContactAsync("alice", "carol", Token));
        Assert.True(await policy.IsContactAsync("carol", "alice", Token));
        Assert.True(await policy.IsContactAsync("dave", "dave", Token));
    }

    [Fact]
    public async Task Push_notifier_logs_ids_but_never_the_content()
    {
        var logger = new RecordingLogger<LoggingPushNotifier>();
        var notifier = new LoggingPushNotifier(logger);

        await notifier.NotifyAsync(new PushNotification("bob", Message("c1", 7) with { Content = "secret words" }), Token);

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Debug, entry.Level);
        Assert.Contains("bob", entry.Text, StringComparison.Ordinal);
        Assert.Contains("c1", entry.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", entry.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_notifier_with_its_own_category_enabled_is_called_even_when_the_engine_logs_less()
    {
        // The engine skips the offline-member look-up only when the default notifier itself would log nothing.
        var logger = new RecordingLogger<LoggingPushNotifier>();
        await using var harness = await EngineHarness.StartAsync(configureServices: s => s.AddSingleton<IPushNotifier>(new LoggingPushNotifier(logger)));
        var conversation = await harness.CreateGroupAsync("alice", "bob", "carol");
        var (alice, _) = await harness.ConnectAsync("alice");
        await harness.ConnectAsync("bob");

        await alice.SendAsync(EventWaits.Text(conversation, "hi"), Token);

        var entry = Assert.Single(logger.Entries);
        Assert.Contains("carol", entry.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Adapters_reject_invalid_configuration()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DefaultFanoutPolicy(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryConnectionDirectory(TimeProvider.System, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryMessageTransport(queueCapacity: 0));
    }

    private static byte[] Typing(int i) => System.Text.Encoding.UTF8.GetBytes($"user{i}");

    private static Message Message(string conversationId, long seq) => new()
    {
        ConversationId = conversationId,
        Seq = seq,
        MessageId = Guid.CreateVersion7().ToString(),
        SenderId = "alice",
        ClientMsgId = Guid.NewGuid().ToString(),
        Content = "hi",
        Timestamp = Epoch,
    };

    private static Conversation Conversation(string id, ConversationKind kind, params string[] members) => new()
    {
        Id = id,
        Kind = kind,
        Name = kind == ConversationKind.Group ? "group" : null,
        Members = [.. members.Select(m => new ConversationMember(m, MemberRole.Member, Epoch))],
        CreatedAt = Epoch,
    };

    private sealed class RecordingLogger<T> : ILogger<T>
    {
        private readonly Lock _gate = new();
        private readonly List<(LogLevel Level, string Text)> _entries = [];

        public IReadOnlyList<(LogLevel Level, string Text)> Entries
        {
            get
            {
                lock (_gate)
                {
                    return [.. _entries];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_gate)
            {
                _entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
