using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Messaging.Redis.Tests;

/// <summary>A logger that records every entry and completes a signal when an event id is first logged.</summary>
/// <typeparam name="T">The category.</typeparam>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _signals = new();

    /// <summary>The recorded entries (event id, message).</summary>
    public ConcurrentQueue<(int EventId, string Message)> Entries { get; } = new();

    /// <summary>Completes when an entry with <paramref name="eventId"/> was logged.</summary>
    /// <param name="eventId">The event id.</param>
    /// <returns>The signal.</returns>
    public Task WhenLogged(int eventId) => Signal(eventId).Task;

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => true;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Entries.Enqueue((eventId.Id, formatter(state, exception)));
        Signal(eventId.Id).TrySetResult();
    }

    private TaskCompletionSource Signal(int eventId)
        => _signals.GetOrAdd(eventId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}
