namespace Messaging;

/// <summary>Builds the delivery pipeline of each new connection with the roles and parts every pipeline shares.</summary>
/// <param name="context">The engine's shared options, clock, log and instruments.</param>
/// <param name="presence">The presence store (a watched user's current presence).</param>
/// <param name="privacy">Applies presence privacy for the connection's user.</param>
/// <param name="reads">The roles ordered delivery reads.</param>
/// <param name="statuses">Reads the statuses a catch-up replays.</param>
internal sealed class ConnectionPipelineFactory(EngineContext context, IPresenceStore presence, PresencePrivacy privacy, DeliveryReads reads, StatusReader statuses)
{
    /// <summary>A new, not yet started pipeline for a connection.</summary>
    /// <param name="userId">The authenticated user.</param>
    /// <param name="deviceId">The client's device.</param>
    /// <param name="connection">The gateway's sink.</param>
    /// <returns>The pipeline.</returns>
    public ConnectionPipeline Create(string userId, string deviceId, IClientConnection connection)
        => new(context, presence, privacy, reads, statuses, userId, deviceId, connection);
}
