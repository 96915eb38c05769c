using Messaging.Conformance;

namespace Messaging.Tests.InMemory;

// The engine-level suites of the conformance kit: several engines in one process sharing in-memory roles.
public sealed class InMemoryScaleOutConformanceTests : ScaleOutConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<MessagingBackplane> CreateBackplaneAsync() => ValueTask.FromResult(MessagingBackplane.InMemory(new InMemoryMessageTransport()));
}

// The in-memory message store has no atomic step: this runs the composite path (sequencer, claim, append at seq).
public sealed class InMemoryEngineModelConformanceTests : EngineModelConformanceTests
{
    protected override AdapterCapabilities Capabilities => AdapterCapabilities.InMemory;

    protected override ValueTask<MessagingBackplane> CreateBackplaneAsync() => ValueTask.FromResult(MessagingBackplane.InMemory(new InMemoryMessageTransport()));
}
