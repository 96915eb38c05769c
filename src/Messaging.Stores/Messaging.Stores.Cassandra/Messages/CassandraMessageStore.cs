namespace Messaging.Stores.Cassandra;

/// <summary>
/// Messages on CQL: a partition per (conversation, bucket of <see cref="MessageBuckets.Size"/> seqs), clustered by
/// seq. An append is one lightweight transaction (<c>INSERT ... IF NOT EXISTS</c>, whose answer carries the holder of
/// a taken seq) and then a plain write of the conversation's last seq hint, written at the seq as its write time so the
/// highest seq wins without a read. The last seq is the hint, corrected by the newest stored seq of the hint's bucket
/// (and of the following ones while they are full), so a hint write lost in a crash costs a read, never a reused seq.
/// Range reads walk buckets (ascending after a seq, descending before one). Nothing is ever removed, so the history
/// starts at 1 unless an operator's retention job records a later start in <c>conversation_seq.history_start</c>.
/// </summary>
internal sealed class CassandraMessageStore : IMessageStore
{
    private readonly CassandraStoreContext _context;

    public CassandraMessageStore(CassandraStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    public async ValueTask<AppendResult> AppendAsync(Message message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfLessThan(message.Seq, 1, nameof(message));
        var statements = _context.Statements;
        var (applied, row, afterTimeout) = await _context.ExecuteConditionalAsync(statements.AppendMessage(message), cancellationToken).ConfigureAwait(false);
        if (!applied)
        {
            // The failed IF NOT EXISTS answers with the row that holds the seq; read it only if the answer lacked it.
            var holder = StoredRows.HoldsMessage(row)
                ? StoredRows.ReadMessage(row)
                : await GetAsync(message.ConversationId, message.Seq, cancellationToken).ConfigureAwait(false);
            if (!afterTimeout || holder != message)
            {
                return new AppendResult(AppendOutcome.SeqTaken, holder);
            }

            // The attempt that timed out is the one that stored the message: this call appended it.
        }

        await _context.ExecuteAsync(statements.RaiseLastSeq(message.ConversationId, message.Seq), cancellationToken).ConfigureAwait(false);
        return new AppendResult(AppendOutcome.Appended, message);
    }

    public async ValueTask<IReadOnlyList<Message>> ReadAfterAsync(string conversationId, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        afterSeq = Math.Max(afterSeq, 0);
        if (limit == 0 || afterSeq == long.MaxValue)
        {
            return [];
        }

        var hint = ReadSeqRowAsync(conversationId, cancellationToken);
        var result = new List<Message>(Math.Min(limit, 256));
        var bucket = MessageBuckets.Of(afterSeq + 1);
        while (true)
        {
            var rows = await _context.ReadAllAsync(_context.Statements.ReadBucketAfter(conversationId, bucket, afterSeq, limit - result.Count), cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                result.Add(StoredRows.ReadMessage(row));
            }

            if (result.Count >= limit)
            {
                return result;
            }

            // Go on while the hint says later buckets hold messages, or this bucket is full to its end (the hint may lag).
            var (lastSeq, _) = await hint.ConfigureAwait(false);
            var full = rows.Count > 0 && StoredRows.ReadMessage(rows[^1]).Seq == MessageBuckets.LastSeq(bucket);
            if (bucket >= MessageBuckets.Of(lastSeq) && !full)
            {
                return result;
            }

            bucket++;
        }
    }

    public async ValueTask<IReadOnlyList<Message>> ReadBeforeAsync(string conversationId, long beforeSeq, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        if (limit == 0 || beforeSeq <= 1)
        {
            return [];
        }

        var lastSeq = await GetLastSeqAsync(conversationId, cancellationToken).ConfigureAwait(false);
        var upper = Math.Min(beforeSeq - 1, lastSeq);
        var result = new List<Message>(Math.Min(limit, 256));
        for (var bucket = MessageBuckets.Of(upper); bucket >= 0 && result.Count < limit && upper >= 1; bucket--)
        {
            var rows = await _context.ReadAllAsync(_context.Statements.ReadBucketBefore(conversationId, bucket, upper + 1, limit - result.Count), cancellationToken).ConfigureAwait(false);
            foreach (var row in rows)
            {
                result.Add(StoredRows.ReadMessage(row));
            }
        }

        return result;
    }

    public async ValueTask<Message?> GetAsync(string conversationId, long seq, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        if (seq < 1)
        {
            return null;
        }

        var rows = await _context.ExecuteAsync(_context.Statements.GetMessage(conversationId, seq), cancellationToken).ConfigureAwait(false);
        return rows.Rows.Count == 0 ? null : StoredRows.ReadMessage(rows.Rows[0]);
    }

    public async ValueTask<long> GetLastSeqAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var (last, _) = await ReadSeqRowAsync(conversationId, cancellationToken).ConfigureAwait(false);

        // The hint is written after the append, so a crash between the two leaves it behind: the newest seq of the
        // hint's bucket, and of each following bucket while the one before is full, corrects it.
        for (var bucket = MessageBuckets.Of(last); ; bucket++)
        {
            var rows = await _context.ExecuteAsync(_context.Statements.NewestInBucket(conversationId, bucket), cancellationToken).ConfigureAwait(false);
            if (rows.Rows.Count == 0 || rows.Rows[0]["seq"] is not long newest)
            {
                return last;
            }

            last = Math.Max(last, newest);
            if (newest != MessageBuckets.LastSeq(bucket))
            {
                return last;
            }
        }
    }

    public async ValueTask<long> GetHistoryStartAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var (last, start) = await ReadSeqRowAsync(conversationId, cancellationToken).ConfigureAwait(false);
        if (start <= 1)
        {
            return 1;
        }

        // At most the last seq plus one, as the contract says; the last seq is only read when a start was recorded.
        var lastSeq = Math.Max(last, await GetLastSeqAsync(conversationId, cancellationToken).ConfigureAwait(false));
        return Math.Min(start, lastSeq + 1);
    }

    private async Task<(long LastSeq, long HistoryStart)> ReadSeqRowAsync(string conversationId, CancellationToken cancellationToken)
    {
        var rows = await _context.ExecuteAsync(_context.Statements.ReadSeqRow(conversationId), cancellationToken).ConfigureAwait(false);
        if (rows.Rows.Count == 0)
        {
            return (0, 1);
        }

        var row = rows.Rows[0];
        return (row["last_seq"] as long? ?? 0, row["history_start"] as long? ?? 1);
    }
}
