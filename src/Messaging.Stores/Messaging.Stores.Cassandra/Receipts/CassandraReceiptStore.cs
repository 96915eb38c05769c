using Messaging.Stores.Cassandra.Cql.Statements;

namespace Messaging.Stores.Cassandra;

/// <summary>
/// Receipt marks on CQL: a partition per conversation, a row per (user, device). An advance reads the user's rows
/// (the contract returns the marks before it) and writes each mark that moves for the device with the mark itself as
/// the write time (<c>UPDATE ... USING TIMESTAMP &lt;mark&gt;</c>), together with the time it moved in the same write:
/// Cassandra keeps the cell with the highest write time, so of concurrent advances the highest mark wins on every
/// replica whatever the order they land in, without a lightweight transaction, and the time kept is the one written
/// with the winning mark. A user's aggregate is the maximum over the user's devices, with the earliest time at which a
/// device reached it. Batch reads run their single-partition reads concurrently.
/// </summary>
internal sealed class CassandraReceiptStore : IReceiptStore
{
    private readonly CassandraStoreContext _context;

    public CassandraReceiptStore(CassandraStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    public async ValueTask<Watermark> AdvanceAsync(string conversationId, string userId, string deviceId, long deliveredUpTo, long readUpTo, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(deviceId);
        var statements = _context.Statements;
        var rows = await _context.ReadAllAsync(statements.ReadUserMarks(conversationId, userId), cancellationToken).ConfigureAwait(false);
        var before = Aggregate(rows);
        var device = rows.Where(r => string.Equals(r["device_id"] as string, deviceId, StringComparison.Ordinal)).Select(ReadMark).FirstOrDefault();

        // Read raises delivered. Only marks that move are written (a repeated ack keeps the time the mark first moved).
        var delivered = Math.Max(deliveredUpTo, readUpTo);
        var writes = new List<Task>(2);
        if (delivered > device.DeliveredUpTo)
        {
            writes.Add(_context.ExecuteAsync(statements.RaiseDelivered(conversationId, userId, deviceId, delivered, at), cancellationToken));
        }

        if (readUpTo > device.ReadUpTo)
        {
            writes.Add(_context.ExecuteAsync(statements.RaiseRead(conversationId, userId, deviceId, readUpTo, at), cancellationToken));
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
        return before;
    }

    public async ValueTask<Watermark> GetDeviceAsync(string conversationId, string userId, string deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(deviceId);
        var rows = await _context.ExecuteAsync(_context.Statements.ReadDeviceMarks(conversationId, userId, deviceId), cancellationToken).ConfigureAwait(false);
        return rows.Rows.Count == 0 ? Watermark.None : ReadMark(rows.Rows[0]);
    }

    public async ValueTask<Watermark> GetUserAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        return Aggregate(await _context.ReadAllAsync(_context.Statements.ReadUserMarks(conversationId, userId), cancellationToken).ConfigureAwait(false));
    }

    public async ValueTask<IReadOnlyList<Watermark>> GetDeviceManyAsync(string userId, string deviceId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(deviceId);
        ArgumentNullException.ThrowIfNull(conversationIds);
        return await Task.WhenAll(conversationIds.Select(id => GetDeviceAsync(id, userId, deviceId, cancellationToken).AsTask())).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<Watermark>> GetUserManyAsync(string userId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(conversationIds);
        return await Task.WhenAll(conversationIds.Select(id => GetUserAsync(id, userId, cancellationToken).AsTask())).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<Watermark>> GetMembersAsync(string conversationId, IReadOnlyList<string> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userIds);
        return await Task.WhenAll(userIds.Select(id => GetUserAsync(conversationId, id, cancellationToken).AsTask())).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<MemberWatermark>> GetAllAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var rows = await _context.ReadAllAsync(_context.Statements.ReadAllMarks(conversationId), cancellationToken).ConfigureAwait(false);
        return
        [
            .. rows.Where(r => r["user_id"] is string)
                .GroupBy(r => (string)r["user_id"]!, StringComparer.Ordinal)
                .Select(g => new MemberWatermark(g.Key, Aggregate(g)))
                .Where(m => m.Mark != Watermark.None),
        ];
    }

    /// <summary>The maximum over a user's device rows, each mark with the earliest time a device reached it.</summary>
    internal static Watermark Aggregate(IEnumerable<CqlRow> rows)
    {
        var aggregate = Watermark.None;
        foreach (var mark in rows.Select(ReadMark))
        {
            aggregate = Combine(aggregate, mark);
        }

        return aggregate;
    }

    /// <summary>Combines two marks: each the higher, with its time (the earlier time when both are equal).</summary>
    internal static Watermark Combine(Watermark a, Watermark b)
    {
        var (delivered, deliveredAt) = Higher(a.DeliveredUpTo, a.DeliveredAt, b.DeliveredUpTo, b.DeliveredAt);
        var (read, readAt) = Higher(a.ReadUpTo, a.ReadAt, b.ReadUpTo, b.ReadAt);
        return new Watermark(delivered, read, deliveredAt, readAt);
    }

    private static (long Mark, DateTimeOffset? At) Higher(long a, DateTimeOffset? aAt, long b, DateTimeOffset? bAt)
        => a > b ? (a, aAt)
        : b > a ? (b, bAt)
        : (a, aAt is null ? bAt : bAt is null ? aAt : aAt <= bAt ? aAt : bAt);

    private static Watermark ReadMark(CqlRow row)
    {
        var delivered = row["delivered_upto"] as long? ?? 0;
        var read = row["read_upto"] as long? ?? 0;
        return new Watermark(
            delivered,
            read,
            delivered > 0 && row["delivered_at"] is long deliveredAt ? new DateTimeOffset(deliveredAt, TimeSpan.Zero) : null,
            read > 0 && row["read_at"] is long readAt ? new DateTimeOffset(readAt, TimeSpan.Zero) : null);
    }
}
