using System.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Messaging.Docs.Tests;

/// <summary>
/// Runs a README <c>Program.cs</c> (which ends in a blocking <c>app.Run()</c>) on its own thread and gets hold of its
/// host through the hosting diagnostics events, the way test hosts find the host of a top-level program; stops it on
/// disposal.
/// </summary>
internal sealed class SnippetHost : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly IHost _host;
    private readonly Task _exited;

    private SnippetHost(IHost host, Task exited, Uri baseUri)
    {
        _host = host;
        _exited = exited;
        BaseUri = baseUri;
    }

    /// <summary>The address Kestrel listens on, ending with <c>/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>Runs <paramref name="program"/> with <paramref name="args"/> until it listens.</summary>
    public static async Task<SnippetHost> StartAsync(Action<string[]> program, params string[] args)
    {
        var built = new TaskCompletionSource<IHost>(TaskCreationOptions.RunContinuationsAsynchronously);
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            using var capture = new HostCapture(Environment.CurrentManagedThreadId, built);
            try
            {
                program(args);
                exited.TrySetResult();
            }
            catch (Exception ex)
            {
                built.TrySetException(ex);
                exited.TrySetException(ex);
            }

            built.TrySetException(new InvalidOperationException("The program ended without building a host."));
        })
        {
            IsBackground = true,
            Name = "README program",
        };
        thread.Start();

        var host = await built.Task.WaitAsync(Timeout);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => started.TrySetResult()))
        {
            if (await Task.WhenAny(started.Task, exited.Task).WaitAsync(Timeout) == exited.Task)
            {
                await exited.Task;
                throw new InvalidOperationException("The program stopped before it started listening.");
            }
        }

        var address = host.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new SnippetHost(host, exited.Task, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>Stops the host and waits for the program to return.</summary>
    public async ValueTask DisposeAsync()
    {
        _host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await _exited.WaitAsync(Timeout);
    }

    /// <summary>Takes the host built on one thread from the <c>HostBuilt</c> diagnostics event.</summary>
    private sealed class HostCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly int _threadId;
        private readonly TaskCompletionSource<IHost> _built;
        private readonly List<IDisposable> _subscriptions = [];
        private readonly IDisposable _all;

        public HostCapture(int threadId, TaskCompletionSource<IHost> built)
        {
            _threadId = threadId;
            _built = built;
            _all = DiagnosticListener.AllListeners.Subscribe(this);
        }

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.Extensions.Hosting")
            {
                lock (_subscriptions)
                {
                    _subscriptions.Add(value.Subscribe(this));
                }
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key == "HostBuilt" && value.Value is IHost host && Environment.CurrentManagedThreadId == _threadId)
            {
                _built.TrySetResult(host);
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            _all.Dispose();
            lock (_subscriptions)
            {
                _subscriptions.ForEach(s => s.Dispose());
            }
        }
    }
}
