using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Messaging.LoadGen.Measurement;

/// <summary>
/// What a Redis server did so far: the commands it executed, from <c>INFO commandstats</c> (no MONITOR: that would slow
/// the server it measures), the CPU time its process used, from <c>INFO cpu</c> (<c>used_cpu_user</c> +
/// <c>used_cpu_sys</c>), and the memory its data takes, from <c>INFO memory</c> (<c>used_memory</c>: what the
/// allocator handed out, so a difference over a run is what the run's writes keep, less what expired or was removed).
/// Redis counts a command a script runs under the command's own name as well as the script call itself, so
/// <see cref="Total"/> is every command executed, scripts' inner commands included; what clients sent (a script call
/// counted once) comes from <see cref="Proxy.RedisDelayProxy"/>, which sees the client side of the connection.
/// The <c>INFO</c> calls of this reader are left out of the commands (not of the CPU time: a few microseconds each).
/// </summary>
internal sealed record RedisServerStats(long Total, long ScriptCalls, double CpuSeconds, long UsedMemory)
{
    /// <summary>Names Redis files script and function calls under (each counted once, whatever the script runs).</summary>
    public static readonly IReadOnlySet<string> ScriptCommands = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro",
    };

    public static RedisServerStats operator -(RedisServerStats after, RedisServerStats before) =>
        new(after.Total - before.Total, after.ScriptCalls - before.ScriptCalls, after.CpuSeconds - before.CpuSeconds, after.UsedMemory - before.UsedMemory);

    /// <summary>
    /// Reads <c>INFO cpu</c>, <c>INFO memory</c> and <c>INFO commandstats</c> (three requests, as servers before Redis 7
    /// take one section per <c>INFO</c>) from the server at <paramref name="endpoint"/> on a short-lived connection.
    /// </summary>
    public static async Task<RedisServerStats> FetchAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var client = new TcpClient(endpoint.AddressFamily);
        await client.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        var stream = client.GetStream();
        await stream.WriteAsync("*2\r\n$4\r\nINFO\r\n$3\r\ncpu\r\n*2\r\n$4\r\nINFO\r\n$6\r\nmemory\r\n*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        var cpu = await ReadBulkStringAsync(stream, cancellationToken).ConfigureAwait(false);
        var memory = await ReadBulkStringAsync(stream, cancellationToken).ConfigureAwait(false);
        var commands = await ReadBulkStringAsync(stream, cancellationToken).ConfigureAwait(false);
        return Parse(cpu + "\n" + memory + "\n" + commands);
    }

    /// <summary>
    /// Parses the text of <c>INFO cpu</c>, <c>INFO memory</c> and <c>INFO commandstats</c> (lines
    /// <c>used_cpu_user:SECONDS</c>, <c>used_cpu_sys:SECONDS</c>, <c>used_memory:BYTES</c> and
    /// <c>cmdstat_NAME:calls=N,usec=...</c>); a missing CPU or memory line counts as zero.
    /// </summary>
    public static RedisServerStats Parse(string info)
    {
        long total = 0, scripts = 0, memory = 0;
        double cpu = 0;
        foreach (var raw in info.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("used_cpu_user:", StringComparison.Ordinal) || line.StartsWith("used_cpu_sys:", StringComparison.Ordinal))
            {
                cpu += double.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1), CultureInfo.InvariantCulture);
                continue;
            }

            if (line.StartsWith("used_memory:", StringComparison.Ordinal))
            {
                memory = long.Parse(line.AsSpan("used_memory:".Length), CultureInfo.InvariantCulture);
                continue;
            }

            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal) || line.IndexOf(':', StringComparison.Ordinal) is not (> 0 and var colon))
            {
                continue;
            }

            var name = line["cmdstat_".Length..colon];
            var calls = line[(colon + 1)..].Split(',').Select(f => f.Split('=')).FirstOrDefault(kv => kv.Length == 2 && kv[0] == "calls");
            if (calls is null || name.Equals("info", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var count = long.Parse(calls[1], CultureInfo.InvariantCulture);
            total += count;
            if (ScriptCommands.Contains(name))
            {
                scripts += count;
            }
        }

        return new RedisServerStats(total, scripts, cpu, memory);
    }

    /// <summary>Parses <c>HOST:PORT</c> of a Redis server on loopback (the load generator measures nothing else).</summary>
    public static IPEndPoint ParseLoopbackEndpoint(string value, string option)
    {
        if (!IPEndPoint.TryParse(value, out var endpoint) || endpoint.Port == 0)
        {
            throw new ArgumentException($"--{option} takes HOST:PORT with a numeric loopback address, not \"{value}\".");
        }

        return IPAddress.IsLoopback(endpoint.Address) ? endpoint : throw new ArgumentException($"--{option} must be on loopback.");
    }

    private static async Task<string> ReadBulkStringAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        // "$<length>\r\n<bytes>\r\n"
        var buffer = new List<byte>();
        var one = new byte[1];
        while (buffer.Count < 2 || buffer[^2] != '\r' || buffer[^1] != '\n')
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new IOException("Redis closed the connection before answering INFO.");
            }

            buffer.Add(one[0]);
        }

        var header = Encoding.ASCII.GetString(buffer.ToArray(), 0, buffer.Count - 2);
        if (header.Length < 2 || header[0] != '$')
        {
            throw new InvalidDataException($"Unexpected answer to INFO: {header}");
        }

        var body = new byte[int.Parse(header.AsSpan(1), CultureInfo.InvariantCulture) + 2];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return Encoding.UTF8.GetString(body, 0, body.Length - 2);
    }
}
