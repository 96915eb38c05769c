namespace Messaging;

/// <summary>
/// The in-memory <see cref="IMediaCatalog"/> (the default of <c>AddMessaging</c>): one process, lost on restart, so
/// only the gateway that took an upload can serve it. Several gateways need a shared catalog (the Redis one).
/// </summary>
public sealed class InMemoryMediaCatalog : IMediaCatalog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MediaRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _shares = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _pendingByOwner = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<MediaAddResult> TryAddAsync(MediaRecord record, MediaQuota quota, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (_records.ContainsKey(record.MediaId))
            {
                return ValueTask.FromResult(MediaAddResult.Exists);
            }

            var usage = UsageLocked(record.OwnerId);
            if (!record.IsComplete && usage.OpenUploads >= quota.MaxOpenUploads)
            {
                return ValueTask.FromResult(MediaAddResult.OpenUploadLimit);
            }

            if (!record.IsShared && usage.PendingBytes + record.Length > quota.MaxPendingBytes)
            {
                return ValueTask.FromResult(MediaAddResult.StorageQuota);
            }

            _records.Add(record.MediaId, record);
            if (!record.IsShared)
            {
                PendingLocked(record.OwnerId).Add(record.MediaId);
            }
        }

        return ValueTask.FromResult(MediaAddResult.Added);
    }

    /// <inheritdoc />
    public ValueTask<MediaRecord?> GetAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_records.GetValueOrDefault(mediaId));
        }
    }

    /// <inheritdoc />
    public ValueTask UpdateAsync(MediaRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (_records.TryGetValue(record.MediaId, out var stored))
            {
                _records[record.MediaId] = stored with
                {
                    Offset = record.Offset,
                    UpdatedAt = record.UpdatedAt,
                    CompletedAt = record.CompletedAt,
                    Sha256 = record.Sha256,
                };
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string mediaId, bool unsharedOnly = false, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_records.TryGetValue(mediaId, out var stored) || (unsharedOnly && stored.IsShared))
            {
                return ValueTask.FromResult(false);
            }

            _records.Remove(mediaId);
            _shares.Remove(mediaId);
            ForgetPendingLocked(stored);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ShareAsync(string mediaId, string conversationId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(conversationId);
        lock (_gate)
        {
            if (!_records.TryGetValue(mediaId, out var stored) || !stored.IsComplete)
            {
                return ValueTask.FromResult(false);
            }

            if (!stored.IsShared)
            {
                _records[mediaId] = stored with { SharedAt = at };
                ForgetPendingLocked(stored);
            }

            if (!_shares.TryGetValue(mediaId, out var conversations))
            {
                _shares[mediaId] = conversations = new HashSet<string>(StringComparer.Ordinal);
            }

            conversations.Add(conversationId);
        }

        return ValueTask.FromResult(true);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyCollection<string>> GetSharedConversationsAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyCollection<string> shared = _shares.TryGetValue(mediaId, out var conversations) ? [.. conversations] : [];
            return ValueTask.FromResult(shared);
        }
    }

    /// <inheritdoc />
    public ValueTask<MediaUsage> GetUsageAsync(string ownerId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(UsageLocked(ownerId));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<MediaRecord>> ListExpiredAsync(DateTimeOffset openBefore, DateTimeOffset unsharedBefore, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<MediaRecord> expired = _records.Values
                .Where(r => r.IsComplete ? !r.IsShared && r.CompletedAt < unsharedBefore : r.UpdatedAt < openBefore)
                .OrderBy(r => r.CompletedAt ?? r.UpdatedAt)
                .Take(limit)
                .ToArray();
            return ValueTask.FromResult(expired);
        }
    }

    private MediaUsage UsageLocked(string ownerId)
    {
        if (!_pendingByOwner.TryGetValue(ownerId, out var pending))
        {
            return default;
        }

        int open = 0;
        long bytes = 0;
        foreach (var mediaId in pending)
        {
            var record = _records[mediaId];
            open += record.IsComplete ? 0 : 1;
            bytes += record.Length;
        }

        return new MediaUsage(open, bytes);
    }

    private HashSet<string> PendingLocked(string ownerId)
    {
        if (!_pendingByOwner.TryGetValue(ownerId, out var pending))
        {
            _pendingByOwner[ownerId] = pending = new HashSet<string>(StringComparer.Ordinal);
        }

        return pending;
    }

    private void ForgetPendingLocked(MediaRecord record)
    {
        if (_pendingByOwner.TryGetValue(record.OwnerId, out var pending) && pending.Remove(record.MediaId) && pending.Count == 0)
        {
            _pendingByOwner.Remove(record.OwnerId);
        }
    }
}
