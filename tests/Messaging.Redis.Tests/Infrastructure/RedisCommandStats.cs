using System.Globalization;
using StackExchange.Redis;

namespace Messaging.Redis.Tests;

/// <summary>How many times a server ran each command since it started or its statistics were reset (<c>INFO commandstats</c>).</summary>
internal static class RedisCommandStats
{
    /// <summary>Calls per command name (lower case, for example <c>evalsha</c> or <c>scard</c>).</summary>
    /// <param name="connection">A connection to the server.</param>
    /// <returns>The calls per command.</returns>
    public static async Task<Dictionary<string, long>> ReadAsync(IConnectionMultiplexer connection)
    {
        var info = await connection.GetServer(connection.GetEndPoints()[0]).InfoAsync("commandstats");
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pair in info.SelectMany(g => g))
        {
            // cmdstat_evalsha: calls=9,usec=...
            var calls = pair.Value.Split(',')[0].Split('=')[1];
            result[pair.Key.Replace("cmdstat_", string.Empty, StringComparison.Ordinal)] = long.Parse(calls, CultureInfo.InvariantCulture);
        }

        return result;
    }
}
