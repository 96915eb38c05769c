using Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PushWorker;

/// <summary>Registers the push worker on the deployment's Redis.</summary>
public static class PushWorkerServiceCollectionExtensions
{
    /// <summary>
    /// Registers the worker: the Redis roles it reads (conversations, connection directory) and writes (the record of
    /// pushes, in the de-duplication store), the options (validated at start) and the consumer.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="redis">The deployment's Redis connection string.</param>
    /// <param name="configure">Sets the brokers (required), topic, group and commit policy.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddPushWorker(this IServiceCollection services, string redis, Action<PushWorkerOptions> configure)
    {
        // AddMessaging().UseRedis registers the Redis roles the worker uses. The worker is no gateway, so the hosted
        // service that would start an engine (and register this process as a node) is taken out again.
        var hosted = services.Where(d => d.ServiceType == typeof(IHostedService)).ToList();
        services.AddMessaging().UseRedis(redis);
        foreach (var engineHost in services.Where(d => d.ServiceType == typeof(IHostedService)).Except(hosted).ToList())
        {
            services.Remove(engineHost);
        }

        services.AddOptions<PushWorkerOptions>().Configure(configure).Validate(
            o => !string.IsNullOrWhiteSpace(o.BootstrapServers) && !string.IsNullOrWhiteSpace(o.Topic) && !string.IsNullOrWhiteSpace(o.GroupId) && o.CommitEvery >= 1 && o.DeduplicationWindow > TimeSpan.Zero && o.SessionTimeout >= TimeSpan.FromMilliseconds(500),
            "PushWorker needs BootstrapServers (or Messaging:Kafka), a Topic and a GroupId, CommitEvery of at least 1, a positive DeduplicationWindow and a SessionTimeout of at least 500 ms.").ValidateOnStart();
        services.AddSingleton(sp => new PushDispatcher(
            sp.GetRequiredService<IConversationStore>(),
            sp.GetRequiredService<IConnectionDirectory>(),
            sp.GetRequiredService<IDeduplicationStore>(),
            sp.GetRequiredService<IPushNotifier>(),
            sp.GetRequiredService<IOptions<PushWorkerOptions>>().Value.DeduplicationWindow));
        services.AddHostedService<EventLogConsumer>();
        return services;
    }
}
