using System.Globalization;
using Messaging.Redis;
using StackExchange.Redis;

namespace Messaging.Stores.Redis;

/// <summary>
/// An <see cref="IMediaCatalog"/> in Redis, shared by every gateway: any gateway can resume, complete, authorise,
/// share and expire any upload, and uploads survive a restart of the gateways.
/// </summary>
/// <remarks>
/// Per upload one hash (<c>owner</c>, <c>type</c>, <c>name</c>, <c>length</c>, <c>offset</c>, <c>created</c>,
/// <c>updated</c>, <c>completed</c>, <c>sha256</c>, <c>shared</c>; times as UTC ticks, absent fields for
/// <see langword="null"/>) and one set of the conversations it was sent in; per owner a hash of the pending uploads
/// the quota counts; two sorted sets index open uploads by last update and unsent ones by completion for expiry.
/// Adding (with the quota check), progress, sharing and removal are each one Lua script, so sharing and the expiry's
/// removal of an unshared upload exclude each other.
/// </remarks>
public sealed class RedisMediaCatalog : IMediaCatalog
{
    private readonly RedisStoreContext _context;

    /// <summary>Creates a catalog on a multiplexer owned by the host (never disposed by the catalog).</summary>
    /// <param name="multiplexer">The connection to Redis.</param>
    public RedisMediaCatalog(IConnectionMultiplexer multiplexer)
        : this(RedisStoreContext.Create(RedisConnection.Borrow(multiplexer, null), null))
    {
    }

    internal RedisMediaCatalog(RedisStoreContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
    }

    /// <inheritdoc />
    public async ValueTask<MediaAddResult> TryAddAsync(MediaRecord record, MediaQuota quota, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var state = record.IsShared ? "s" : record.IsComplete ? "c" : "o";
        var score = UnixMs(record.CompletedAt ?? record.UpdatedAt);
        var arguments = new List<RedisValue>
        {
            record.MediaId, quota.MaxOpenUploads, quota.MaxPendingBytes, record.Length, state, score,
            "owner", record.OwnerId, "type", record.ContentType, "name", record.FileName, "length", record.Length,
            "offset", record.Offset, "created", StoredTime.Ticks(record.CreatedAt), "updated", StoredTime.Ticks(record.UpdatedAt),
        };
        AddOptional(arguments, "completed", record.CompletedAt is { } completed ? StoredTime.Ticks(completed) : RedisValue.Null);
        AddOptional(arguments, "sha256", record.Sha256 is { } sha256 ? (RedisValue)sha256 : RedisValue.Null);
        AddOptional(arguments, "shared", record.SharedAt is { } shared ? StoredTime.Ticks(shared) : RedisValue.Null);

        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var reply = await RedisStoreContext.Guard(
            RedisScripts.MediaAdd.EvaluateAsync(
                database,
                [RedisKeys.MediaUpload(record.MediaId), RedisKeys.MediaOwner(record.OwnerId), RedisKeys.MediaOpen(), RedisKeys.MediaUnsent()],
                [.. arguments]),
            cancellationToken).ConfigureAwait(false);
        return (int)reply switch
        {
            0 => MediaAddResult.Added,
            1 => MediaAddResult.OpenUploadLimit,
            2 => MediaAddResult.StorageQuota,
            _ => MediaAddResult.Exists,
        };
    }

    /// <inheritdoc />
    public async ValueTask<MediaRecord?> GetAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mediaId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var fields = await RedisStoreContext.Guard(database.HashGetAllAsync(RedisKeys.MediaUpload(mediaId)), cancellationToken).ConfigureAwait(false);
        return Parse(mediaId, fields);
    }

    /// <inheritdoc />
    public async ValueTask UpdateAsync(MediaRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        await RedisStoreContext.Guard(
            RedisScripts.MediaUpdate.EvaluateAsync(
                database,
                [RedisKeys.MediaUpload(record.MediaId), RedisKeys.MediaOwner(record.OwnerId), RedisKeys.MediaOpen(), RedisKeys.MediaUnsent()],
                [
                    record.MediaId, record.Offset, StoredTime.Ticks(record.UpdatedAt), UnixMs(record.UpdatedAt),
                    record.CompletedAt is { } completed ? StoredTime.Ticks(completed) : string.Empty,
                    record.CompletedAt is { } at ? UnixMs(at) : 0,
                    record.Sha256 ?? string.Empty,
                ]),
            cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string mediaId, bool unsharedOnly = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mediaId);
        return RunOnUploadAsync(
            mediaId,
            RedisScripts.MediaRemove,
            owner => [RedisKeys.MediaUpload(mediaId), RedisKeys.MediaShares(mediaId), RedisKeys.MediaOwner(owner), RedisKeys.MediaOpen(), RedisKeys.MediaUnsent()],
            [mediaId, unsharedOnly ? "1" : "0"],
            cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> ShareAsync(string mediaId, string conversationId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mediaId);
        ArgumentNullException.ThrowIfNull(conversationId);
        return RunOnUploadAsync(
            mediaId,
            RedisScripts.MediaShare,
            owner => [RedisKeys.MediaUpload(mediaId), RedisKeys.MediaShares(mediaId), RedisKeys.MediaOwner(owner), RedisKeys.MediaUnsent()],
            [mediaId, conversationId, StoredTime.Ticks(at)],
            cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyCollection<string>> GetSharedConversationsAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mediaId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var members = await RedisStoreContext.Guard(database.SetMembersAsync(RedisKeys.MediaShares(mediaId)), cancellationToken).ConfigureAwait(false);
        return Array.ConvertAll(members, static m => (string)m!);
    }

    /// <inheritdoc />
    public async ValueTask<MediaUsage> GetUsageAsync(string ownerId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var entries = await RedisStoreContext.Guard(database.HashValuesAsync(RedisKeys.MediaOwner(ownerId)), cancellationToken).ConfigureAwait(false);
        int open = 0;
        long bytes = 0;
        foreach (var entry in entries)
        {
            var text = (string)entry!;
            if (text.Length < 3 || text[1] != '|' || !long.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                throw new InvalidDataException($"Invalid pending upload entry '{text}'.");
            }

            open += text[0] == 'o' ? 1 : 0;
            bytes += length;
        }

        return new MediaUsage(open, bytes);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<MediaRecord>> ListExpiredAsync(DateTimeOffset openBefore, DateTimeOffset unsharedBefore, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);

        // Scores are whole milliseconds: the index narrows, the records' exact times decide.
        var open = database.SortedSetRangeByScoreAsync(RedisKeys.MediaOpen(), double.NegativeInfinity, UnixMs(openBefore), take: limit);
        var unsent = database.SortedSetRangeByScoreAsync(RedisKeys.MediaUnsent(), double.NegativeInfinity, UnixMs(unsharedBefore), take: limit);
        var ids = (await RedisStoreContext.Guard(open, cancellationToken).ConfigureAwait(false))
            .Concat(await RedisStoreContext.Guard(unsent, cancellationToken).ConfigureAwait(false))
            .Select(static id => (string)id!)
            .ToArray();

        var batch = database.CreateBatch();
        var reads = Array.ConvertAll(ids, id => batch.HashGetAllAsync(RedisKeys.MediaUpload(id)));
        batch.Execute();
        var expired = new List<MediaRecord>(ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            var record = Parse(ids[i], await RedisStoreContext.Guard(reads[i], cancellationToken).ConfigureAwait(false));
            if (record is not null && (record.IsComplete ? !record.IsShared && record.CompletedAt < unsharedBefore : record.UpdatedAt < openBefore))
            {
                expired.Add(record);
            }
        }

        return [.. expired.OrderBy(static r => r.CompletedAt ?? r.UpdatedAt).Take(limit)];
    }

    // Runs a script on an existing upload; the owner (fixed at creation) is read first to name the owner's key.
    private async ValueTask<bool> RunOnUploadAsync(string mediaId, RedisScript script, Func<string, RedisKey[]> keys, RedisValue[] arguments, CancellationToken cancellationToken)
    {
        var database = await _context.GetDatabaseAsync(cancellationToken).ConfigureAwait(false);
        var owner = await RedisStoreContext.Guard(database.HashGetAsync(RedisKeys.MediaUpload(mediaId), "owner"), cancellationToken).ConfigureAwait(false);
        if (owner.IsNull)
        {
            return false;
        }

        var reply = await RedisStoreContext.Guard(script.EvaluateAsync(database, keys((string)owner!), arguments), cancellationToken).ConfigureAwait(false);
        return (int)reply == 1;
    }

    private static void AddOptional(List<RedisValue> arguments, string field, RedisValue value)
    {
        if (!value.IsNull)
        {
            arguments.Add(field);
            arguments.Add(value);
        }
    }

    private static long UnixMs(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    /// <exception cref="InvalidDataException">A required field is missing or malformed.</exception>
    private static MediaRecord? Parse(string mediaId, HashEntry[] fields)
    {
        if (fields.Length == 0)
        {
            return null;
        }

        var values = new Dictionary<string, string>(fields.Length, StringComparer.Ordinal);
        foreach (var field in fields)
        {
            values[(string)field.Name!] = (string)field.Value!;
        }

        string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new InvalidDataException($"Media record '{mediaId}' lacks '{name}'.");
        long Number(string name) => long.TryParse(Required(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidDataException($"Media record '{mediaId}' has an invalid '{name}'.");

        return new MediaRecord
        {
            MediaId = mediaId,
            OwnerId = Required("owner"),
            ContentType = Required("type"),
            FileName = Required("name"),
            Length = Number("length"),
            Offset = Number("offset"),
            CreatedAt = StoredTime.FromTicks(Required("created")),
            UpdatedAt = StoredTime.FromTicks(Required("updated")),
            CompletedAt = StoredTime.FromTicksOrNull(values.GetValueOrDefault("completed")),
            Sha256 = values.GetValueOrDefault("sha256") is { Length: > 0 } sha256 ? sha256 : null,
            SharedAt = StoredTime.FromTicksOrNull(values.GetValueOrDefault("shared")),
        };
    }
}
