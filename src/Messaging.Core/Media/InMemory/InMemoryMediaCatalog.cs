namespace Messaging;

/// <summary>The in-memory <see cref="IMediaCatalog"/>: one process, lost on restart (the default of <c>AddMessaging</c>).</summary>
public sealed class InMemoryMediaCatalog : IMediaCatalog
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, MediaRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _shares = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public ValueTask<bool> TryAddAsync(MediaRecord record, int maxOpenUploadsPerOwner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            var open = _records.Values.Count(r => !r.IsComplete && string.Equals(r.OwnerId, record.OwnerId, StringComparison.Ordinal));
            if (open >= maxOpenUploadsPerOwner || !_records.TryAdd(record.MediaId, record))
            {
                return ValueTask.FromResult(false);
            }
        }

        return ValueTask.FromResult(true);
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
            if (_records.ContainsKey(record.MediaId))
            {
                _records[record.MediaId] = record;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string mediaId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _shares.Remove(mediaId);
            return ValueTask.FromResult(_records.Remove(mediaId));
        }
    }

    /// <inheritdoc />
    public ValueTask ShareAsync(string mediaId, string conversationId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_shares.TryGetValue(mediaId, out var conversations))
            {
                _shares[mediaId] = conversations = new HashSet<string>(StringComparer.Ordinal);
            }

            conversations.Add(conversationId);
        }

        return ValueTask.CompletedTask;
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
    public ValueTask<IReadOnlyList<MediaRecord>> ListOpenUploadsUpdatedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<MediaRecord> open = _records.Values.Where(r => !r.IsComplete && r.UpdatedAt < cutoff).OrderBy(r => r.UpdatedAt).Take(limit).ToArray();
            return ValueTask.FromResult(open);
        }
    }
}
