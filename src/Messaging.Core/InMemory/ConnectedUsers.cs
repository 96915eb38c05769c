using System.Collections;

namespace Messaging;

/// <summary>
/// A small read-only set of user ids over an array with a linear membership scan, for the common answers of
/// <see cref="InMemoryConnectionDirectory.GetConnectedUsersAsync"/> (the one or few recipients of a send): one small
/// array and no hash set. Larger answers use a <see cref="HashSet{T}"/>.
/// </summary>
internal sealed class ConnectedUsers : IReadOnlySet<string>
{
    /// <summary>The most users a linear scan serves.</summary>
    internal const int LinearScanLimit = 8;

    /// <summary>The empty set.</summary>
    internal static readonly IReadOnlySet<string> None = new ConnectedUsers([], 0);

    private readonly string[] _users;
    private readonly int _count;

    private ConnectedUsers(string[] users, int count)
    {
        _users = users;
        _count = count;
    }

    public int Count => _count;

    /// <summary>A set of one user.</summary>
    internal static IReadOnlySet<string> Of(string userId) => new ConnectedUsers([userId], 1);

    /// <summary>Starts collecting at most <paramref name="capacity"/> users (at most <see cref="LinearScanLimit"/>).</summary>
    internal static Builder Collect(int capacity) => new(capacity);

    public bool Contains(string item) => IndexOf(_users, _count, item) >= 0;

    public IEnumerator<string> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _users[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public bool IsProperSubsetOf(IEnumerable<string> other) => AsHashSet().IsProperSubsetOf(other);

    public bool IsProperSupersetOf(IEnumerable<string> other) => AsHashSet().IsProperSupersetOf(other);

    public bool IsSubsetOf(IEnumerable<string> other) => AsHashSet().IsSubsetOf(other);

    public bool IsSupersetOf(IEnumerable<string> other) => AsHashSet().IsSupersetOf(other);

    public bool Overlaps(IEnumerable<string> other) => AsHashSet().Overlaps(other);

    public bool SetEquals(IEnumerable<string> other) => AsHashSet().SetEquals(other);

    private static int IndexOf(string[] users, int count, string? item)
    {
        for (var i = 0; i < count; i++)
        {
            if (string.Equals(users[i], item, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private HashSet<string> AsHashSet() => new(_users.AsSpan(0, _count).ToArray(), StringComparer.Ordinal);

    /// <summary>Collects distinct users; allocates only when the first one is added.</summary>
    internal struct Builder(int capacity)
    {
        private string[]? _users;
        private int _count;

        public void Add(string userId)
        {
            _users ??= new string[Math.Max(capacity, 1)];
            if (IndexOf(_users, _count, userId) >= 0)
            {
                return;
            }

            if (_count == _users.Length)
            {
                // The caller's collection grew while it was read.
                Array.Resize(ref _users, _count * 2);
            }

            _users[_count++] = userId;
        }

        public readonly IReadOnlySet<string> ToSet() => _users is null ? None : new ConnectedUsers(_users, _count);
    }
}
