using Xunit;

namespace Messaging.Conformance;

/// <summary>
/// The base of the role suites: the adapter's declared capabilities, capability gates that skip with a reason,
/// unique ids (so suites can share one server), and disposal of every adapter the test created.
/// </summary>
public abstract class ConformanceSuite : IAsyncLifetime
{
    private readonly List<object> _created = [];

    /// <summary>What the adapter under test guarantees; see <see cref="AdapterCapabilities"/>.</summary>
    protected abstract AdapterCapabilities Capabilities { get; }

    /// <summary>How long a test waits for an asynchronous signal (a delivery, an expiry) before it fails.</summary>
    protected virtual TimeSpan SignalTimeout => TimeSpan.FromSeconds(10);

    /// <summary>Runs before each test; override to start per-test resources (call the base).</summary>
    /// <returns>A task that completes when ready.</returns>
    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>Runs after each test: disposes every adapter created through <see cref="Track{T}"/> (override and call the base to add cleanup).</summary>
    /// <returns>A task that completes when cleaned up.</returns>
    public virtual async ValueTask DisposeAsync()
    {
        for (var i = _created.Count - 1; i >= 0; i--)
        {
            await DisposeAdapterAsync(_created[i]).ConfigureAwait(false);
        }

        _created.Clear();
        GC.SuppressFinalize(this);
    }

    /// <summary>The current test's cancellation token (cancelled when the test run is aborted).</summary>
    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A fresh id, unique across test runs, so tests sharing one server never collide.</summary>
    /// <param name="prefix">A readable prefix (for example <c>conv</c> or <c>user</c>).</param>
    /// <returns>The prefix followed by a new GUID.</returns>
    protected static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Records an adapter so it is disposed after the test.</summary>
    /// <typeparam name="T">The adapter type.</typeparam>
    /// <param name="adapter">The adapter.</param>
    /// <returns>The same adapter.</returns>
    protected T Track<T>(T adapter)
        where T : notnull
    {
        _created.Add(adapter);
        return adapter;
    }

    /// <summary>Disposes an adapter now (for example to simulate a restart); does nothing when it is not disposable.</summary>
    /// <param name="adapter">The adapter.</param>
    /// <returns>A task that completes when disposed.</returns>
    protected static async ValueTask DisposeAdapterAsync(object adapter)
    {
        switch (adapter)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    /// <summary>Skips the current test, with a reason, unless the adapter declares the capability.</summary>
    /// <param name="declared">The capability flag.</param>
    /// <param name="capability">The capability's name.</param>
    /// <param name="why">What the test would verify.</param>
    protected static void Require(bool declared, string capability, string why)
    {
        if (!declared)
        {
            Assert.Skip($"The adapter does not declare {nameof(AdapterCapabilities)}.{capability}, so this guarantee is not verified: {why}");
        }
    }

    /// <summary>Waits for a signal, failing the test when it does not arrive within <see cref="SignalTimeout"/>.</summary>
    /// <param name="signal">The signal.</param>
    /// <param name="what">What was awaited (for the failure message).</param>
    /// <returns>A task that completes when the signal arrived.</returns>
    protected async Task WaitForAsync(Task signal, string what)
    {
        ArgumentNullException.ThrowIfNull(signal);
        try
        {
            await signal.WaitAsync(SignalTimeout, TestContext.Current.CancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Timed out after {SignalTimeout} waiting for {what}.");
        }
    }
}
