namespace Messaging;

/// <summary>
/// Serialises the subscription bookkeeping of one user (connect, disconnect, membership refresh) with a fixed set of
/// striped async locks, so a user's first connect and last disconnect never interleave.
/// </summary>
internal sealed class UserLocks
{
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>Takes the lock of a user.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A handle that releases the lock when disposed.</returns>
    public async ValueTask<Releaser> LockAsync(string userId, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(userId) % (uint)_stripes.Length)];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(stripe);
    }

    /// <summary>Releases a user's lock.</summary>
    /// <param name="stripe">The held stripe.</param>
    internal readonly struct Releaser(SemaphoreSlim stripe) : IDisposable
    {
        /// <summary>Releases the lock.</summary>
        public void Dispose() => stripe.Release();
    }
}
