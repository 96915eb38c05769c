using System.Globalization;
using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>
/// An <see cref="IReceiptStore"/> in Redis: per conversation one hash of device marks and one of user aggregates,
/// advanced together by one Lua script; batch reads are one pipelined command per conversation.
/// </summary>
/// <remarks>
/// Guarantees: a device's marks never move backwards; advancing read also raises delivered; concurrent advances keep
/// the maximum; a user's aggregate is the maximum over the user's devices and <see cref="AdvanceAsync"/> returns it as
/// it was before the advance (read in the same script, more than the role requires). An aggregate's times are the times its marks last moved. A mark is
/// stored as <c>"&lt;delivered&gt;|&lt;read&gt;|&lt;delivered at ticks&gt;|&lt;read at ticks&gt;"</c> (see
/// <c>receipt_advance.lua</c>).
/// </remarks>
public sealed class RedisReceiptStore : IReceiptStore
{
    private readonly RedisStoreContext _context;

    /// <summary>Creates a store on a multiplexer owned by the host (never disposed by the store).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    public RedisReceiptStore(IConnectionMultiplexer multiplexer)
        : this(RedisStoreContext.Create(RedisConnection.Borrow(multiplexer, null), null))
    {
    }

    internal RedisReceiptStore(RedisStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    // The connection and options this store runs on (a message store on the same one keeps its books, see
    // RedisMessageStore.KeepsBooksFor).
    internal RedisStoreContext Context => _context;

    /// <inheritdoc />
    public async ValueTask<Watermark> AdvanceAsync(string conversationId, string userId, string deviceId, long deliveredUpTo, long readUpTo, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(deviceId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var before = await RedisStoreContext.Guard(
            RedisScripts.ReceiptAdvance.EvaluateAsync(
                database,
                [RedisKeys.DeviceReceipts(conversationId), RedisKeys.UserReceipts(conversationId)],
                [RedisKeys.DeviceField(userId, deviceId), userId, Math.Max(0, deliveredUpTo), Math.Max(0, readUpTo), StoredTime.Ticks(at)]),
            cancellationToken).ConfigureAwait(false);
        return Parse((string?)before);
    }

    /// <inheritdoc />
    public async ValueTask<Watermark> GetDeviceAsync(string conversationId, string userId, string deviceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(deviceId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var mark = await RedisStoreContext.Guard(database.HashGetAsync(RedisKeys.DeviceReceipts(conversationId), RedisKeys.DeviceField(userId, deviceId)), cancellationToken).ConfigureAwait(false);
        return Parse(mark);
    }

    /// <inheritdoc />
    public async ValueTask<Watermark> GetUserAsync(string conversationId, string userId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var mark = await RedisStoreContext.Guard(database.HashGetAsync(RedisKeys.UserReceipts(conversationId), userId), cancellationToken).ConfigureAwait(false);
        return Parse(mark);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Watermark>> GetDeviceManyAsync(string userId, string deviceId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(deviceId);
        return GetManyAsync(conversationIds, RedisKeys.DeviceReceipts, RedisKeys.DeviceField(userId, deviceId), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Watermark>> GetUserManyAsync(string userId, IReadOnlyList<string> conversationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userId);
        return GetManyAsync(conversationIds, RedisKeys.UserReceipts, userId, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Watermark>> GetMembersAsync(string conversationId, IReadOnlyList<string> userIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        ArgumentNullException.ThrowIfNull(userIds);
        if (userIds.Count == 0)
        {
            return [];
        }

        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var fields = new RedisValue[userIds.Count];
        for (var i = 0; i < fields.Length; i++)
        {
            fields[i] = userIds[i] ?? throw new ArgumentException("A user id is null.", nameof(userIds));
        }

        var marks = await RedisStoreContext.Guard(database.HashGetAsync(RedisKeys.UserReceipts(conversationId), fields), cancellationToken).ConfigureAwait(false);
        return Array.ConvertAll(marks, static mark => Parse(mark));
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<MemberWatermark>> GetAllAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var entries = await RedisStoreContext.Guard(database.HashGetAllAsync(RedisKeys.UserReceipts(conversationId)), cancellationToken).ConfigureAwait(false);
        var result = new List<MemberWatermark>(entries.Length);
        foreach (var entry in entries)
        {
            var mark = Parse(entry.Value);
            if (mark.DeliveredUpTo > 0)
            {
                result.Add(new MemberWatermark(entry.Name!, mark));
            }
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.UserId, b.UserId));
        return result;
    }

    // One field of each conversation's hash, pipelined: one round trip however many conversations.
    private async ValueTask<IReadOnlyList<Watermark>> GetManyAsync(IReadOnlyList<string> conversationIds, Func<string, RedisKey> key, RedisValue field, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversationIds);
        if (conversationIds.Count == 0)
        {
            return [];
        }

        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var batch = database.CreateBatch();
        var reads = new Task<RedisValue>[conversationIds.Count];
        for (var i = 0; i < reads.Length; i++)
        {
            reads[i] = batch.HashGetAsync(key(conversationIds[i]), field);
        }

        var marks = await RedisStoreContext.Guard(RedisConnection.Send(batch, Task.WhenAll(reads)), cancellationToken).ConfigureAwait(false);
        return Array.ConvertAll(marks, static mark => Parse(mark));
    }

    /// <exception cref="InvalidDataException">The mark is malformed.</exception>
    internal static Watermark Parse(string? mark)
    {
        if (mark is null)
        {
            return Watermark.None;
        }

        // "<delivered>|<read>|<delivered at>|<read at>", the times UTC ticks or empty (see receipt_marks.lua).
        var rest = mark.AsSpan();
        if (!TryTakeField(ref rest, out var deliveredText) || !TryTakeField(ref rest, out var readText) || !TryTakeField(ref rest, out var deliveredAt)
            || !long.TryParse(deliveredText, NumberStyles.None, CultureInfo.InvariantCulture, out var delivered)
            || !long.TryParse(readText, NumberStyles.None, CultureInfo.InvariantCulture, out var read))
        {
            throw new InvalidDataException("A receipt mark is malformed.");
        }

        var readAt = rest.IndexOf('|') is var end and >= 0 ? rest[..end] : rest;
        return new Watermark(delivered, read, StoredTime.FromTicksOrNull(deliveredAt), StoredTime.FromTicksOrNull(readAt));
    }

    // The text before the next '|', and the rest after it; false when there is no '|'.
    private static bool TryTakeField(ref ReadOnlySpan<char> rest, out ReadOnlySpan<char> field)
    {
        var end = rest.IndexOf('|');
        if (end < 0)
        {
            field = default;
            return false;
        }

        field = rest[..end];
        rest = rest[(end + 1)..];
        return true;
    }
}
