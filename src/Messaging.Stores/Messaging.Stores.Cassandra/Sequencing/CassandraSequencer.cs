using Messaging.Stores.Cassandra.Cql.Statements;

namespace Messaging.Stores.Cassandra;

/// <summary>
/// An <see cref="ISequencer"/> on lightweight transactions, for deployments without Redis: one row per conversation in
/// <c>seq_counters</c> holding the last seq handed out, moved by compare-and-set.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="NextAsync"/> reads the counter at the statement consistency (a starting value only) and proposes the next
/// value with <c>UPDATE … SET last = n + 1, owner = &lt;token&gt; IF last = n</c> (or <c>INSERT … IF NOT EXISTS</c> for
/// the first seq, starting above the message store's last seq). Paxos makes the condition, not the read, decide: of
/// concurrent proposals from one value exactly one applies. A refused proposal answers with the current value, read in
/// its own Paxos round, and the next round starts from it after a jittered back-off (<see cref="CassandraSequencerOptions"/>);
/// after <see cref="CassandraSequencerOptions.MaxAttempts"/> lost rounds the call fails with
/// <see cref="CassandraErrorKind.Contention"/>.
/// </para>
/// <para>
/// A proposal that ended without an answer (a write timeout or failure, no answer in time, the connection lost after
/// sending) may or may not have applied, and is never simply sent again: the counter is read at the serial
/// consistency, a Paxos read that first finishes any round still in flight, so what it returns is final. The seq is
/// this call's only when the counter holds it with this call's token (a random id per call, written with the value);
/// otherwise the next round starts from what was read. A proposal of this call that applied and was moved past by
/// another writer before the read is then a seq nobody uses: a gap, as a seq taken by a gateway that stopped before
/// its append, which delivery skips after <c>GapGiveUpAfter</c>; the only way this sequencer leaves one.
/// </para>
/// <para>
/// Cost: one read and one lightweight transaction per seq without contention, one more lightweight transaction per
/// lost round. Every seq of a conversation goes through the Paxos state of one partition, so a conversation takes seqs
/// one round at a time whatever the number of gateways; different conversations do not contend.
/// </para>
/// </remarks>
internal sealed class CassandraSequencer : ISequencer
{
    private readonly CassandraStoreContext _context;
    private readonly IMessageStore _store;
    private readonly CassandraSequencerOptions _options;
    private long _rounds;
    private long _refused;
    private long _unknown;

    /// <summary>Creates the sequencer.</summary>
    /// <param name="context">The stores' session and statements.</param>
    /// <param name="store">The message store whose last seq a new counter starts above.</param>
    /// <param name="options">The retry rules of a lost round.</param>
    public CassandraSequencer(CassandraStoreContext context, IMessageStore store, CassandraSequencerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(store);
        _context = context;
        _store = store;
        _options = options ?? new CassandraSequencerOptions();
    }

    /// <summary>Compare-and-set rounds run so far (applied, refused or settled after an unknown outcome).</summary>
    internal long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>Rounds refused because another writer moved the counter first.</summary>
    internal long Refused => Interlocked.Read(ref _refused);

    /// <summary>Rounds whose outcome had to be settled by a read at the serial consistency.</summary>
    internal long UnknownOutcomes => Interlocked.Read(ref _unknown);

    /// <inheritdoc />
    public async ValueTask<long> NextAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        var owner = Guid.NewGuid();
        var counter = await ReadAsync(conversationId, serial: false, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            var next = (counter.Last ?? await _store.GetLastSeqAsync(conversationId, cancellationToken).ConfigureAwait(false)) + 1;
            var outcome = await ProposeAsync(conversationId, counter.Last, next, owner, cancellationToken).ConfigureAwait(false);
            if (outcome.Applied || (outcome.Counter.Last == next && outcome.Counter.Owner == owner))
            {
                return next;
            }

            counter = outcome.Counter;
            await BackOffAsync(conversationId, attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask<long> CurrentAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        var counter = await ReadAsync(conversationId, serial: false, cancellationToken).ConfigureAwait(false);
        return counter.Last ?? await _store.GetLastSeqAsync(conversationId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask FenceAsync(string conversationId, long seq, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegative(seq);
        var owner = Guid.NewGuid();
        var counter = await ReadAsync(conversationId, serial: false, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            if (counter.Last is { } last)
            {
                if (last >= seq)
                {
                    return;
                }
            }
            else
            {
                // No counter yet: the first seq starts above the store's last anyway, so only a higher fence writes.
                var stored = await _store.GetLastSeqAsync(conversationId, cancellationToken).ConfigureAwait(false);
                if (stored >= seq)
                {
                    return;
                }
            }

            var outcome = await ProposeAsync(conversationId, counter.Last, seq, owner, cancellationToken).ConfigureAwait(false);
            if (outcome.Applied || outcome.Counter.Last >= seq)
            {
                return;
            }

            counter = outcome.Counter;
            await BackOffAsync(conversationId, attempt, cancellationToken).ConfigureAwait(false);
        }
    }

    // One compare-and-set round from `expected` (no row when null) to `value`. Applied, or the counter as it is now: from
    // the refusal's answer, or, when the outcome is unknown, from a read at the serial consistency (which also tells
    // whether the round applied: the counter then holds `value` with `owner`).
    private async Task<Proposal> ProposeAsync(string conversationId, long? expected, long value, Guid owner, CancellationToken cancellationToken)
    {
        var statements = _context.Statements;
        var statement = expected is { } from
            ? statements.AdvanceCounter(conversationId, from, value, owner)
            : statements.CreateCounter(conversationId, value, owner);
        Interlocked.Increment(ref _rounds);
        ConditionalResult result;
        try
        {
            result = await _context.ExecuteConditionalOnceAsync(statement, cancellationToken).ConfigureAwait(false);
        }
        catch (CassandraException failure) when (IsUnknownOutcome(failure))
        {
            Interlocked.Increment(ref _unknown);
            CassandraLog.SequencerOutcomeUnknown(_context.Logger, conversationId, failure.Kind.ToString());
            return new Proposal(false, await ReadAsync(conversationId, serial: true, cancellationToken).ConfigureAwait(false));
        }

        if (result.Applied)
        {
            return new Proposal(true, new Counter(value, owner));
        }

        Interlocked.Increment(ref _refused);

        // The refusal carries the condition's column as Paxos read it; an answer without it is read again.
        return new Proposal(false, result.Row.Has("last")
            ? new Counter(result.Row["last"] as long?, result.Row.Has("owner") ? result.Row["owner"] as Guid? : null)
            : await ReadAsync(conversationId, serial: false, cancellationToken).ConfigureAwait(false));
    }

    private async Task<Counter> ReadAsync(string conversationId, bool serial, CancellationToken cancellationToken)
    {
        var rows = await _context.ExecuteAsync(_context.Statements.ReadCounter(conversationId, serial), cancellationToken).ConfigureAwait(false);
        return rows.Rows.Count == 0 ? default : new Counter(rows.Rows[0]["last"] as long?, rows.Rows[0]["owner"] as Guid?);
    }

    private Task BackOffAsync(string conversationId, int attempt, CancellationToken cancellationToken)
    {
        if (attempt >= _options.MaxAttempts)
        {
            CassandraLog.SequencerContention(_context.Logger, conversationId, attempt);
            throw new CassandraException(CassandraErrorKind.Contention, $"The seq counter of conversation '{conversationId}' was moved by other writers in each of {attempt} rounds; nothing was taken.");
        }

        // Full jitter: concurrent losers spread over the window instead of meeting again in the next round.
        var ceiling = Math.Min(_options.RetryMaxDelay.Ticks, _options.RetryBaseDelay.Ticks << Math.Min(attempt - 1, 20));
        var delay = TimeSpan.FromTicks(Random.Shared.NextInt64(ceiling + 1));
        return delay > TimeSpan.Zero ? Task.Delay(delay, _context.Time, cancellationToken) : Task.CompletedTask;
    }

    // Whether a lightweight transaction may have applied although no answer said so. A request that never reached a
    // node, or that a coordinator refused before Paxos (unavailable, overloaded), did not apply.
    private static bool IsUnknownOutcome(CassandraException failure) => failure.Kind switch
    {
        CassandraErrorKind.WriteTimeout or CassandraErrorKind.WriteFailure or CassandraErrorKind.RequestTimeout => true,
        CassandraErrorKind.ConnectionFailed => failure.RequestSent,
        _ => false,
    };

    /// <summary>A counter row: its last seq and the token of the call that wrote it; <see cref="Last"/> null when there is no row.</summary>
    private readonly record struct Counter(long? Last, Guid? Owner);

    private readonly record struct Proposal(bool Applied, Counter Counter);
}
