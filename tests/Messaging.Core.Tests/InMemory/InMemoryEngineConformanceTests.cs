using Messaging.Conformance;

namespace Messaging.Tests.InMemory;

// The engine-level suites of the conformance kit: several engines in one process sharing in-memory roles.
public sealed class InMemoryScaleOutConformanceTests : ScaleOutConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<MessagingBackplane> CreateBackplaneAsync() => ValueTask.FromResult(MessagingBackplane.InMemory(new InMemoryMessageTransport()));
}

// The in-memory message store has no atomic step: this runs the composite path (sequencer, claim, append at seq).
// The composite path a store of truth takes (sequencer, claim, append at the seq).
public sealed class InMemoryEngineModelConformanceTests : EngineModelConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<MessagingBackplane> CreateBackplaneAsync() => ValueTask.FromResult(MessagingBackplane.InMemory(new InMemoryMessageTransport()));
}

// The atomic step of AddMessaging()'s defaults.
public sealed class InMemoryAtomicEngineModelConformanceTests : EngineModelConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory with { AtomicSequencing = true };

    protected override ValueTask<MessagingBackplane> CreateBackplaneAsync() => ValueTask.FromResult(MessagingBackplane.InMemory(new InMemoryMessageTransport(), atomic: true));
}
