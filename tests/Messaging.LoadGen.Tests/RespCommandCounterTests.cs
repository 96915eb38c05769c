using System.Text;
using Messaging.LoadGen.Measurement;
using Messaging.LoadGen.Proxy;

namespace Messaging.LoadGen.Tests;

/// <summary>The proxy's command count: what "commands sent per message" rests on.</summary>
public sealed class RespCommandCounterTests
{
    // What a client library writes: a SET, a script call whose arguments contain CRLF and '*', a PING, and a pipelined GET.
    private static readonly byte[] Stream = Encoding.UTF8.GetBytes(
        "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\n*$\r\n" +
        "*4\r\n$7\r\nevalsha\r\n$40\r\n0123456789012345678901234567890123456789\r\n$1\r\n0\r\n$0\r\n\r\n" +
        "*1\r\n$4\r\nPING\r\n" +
        "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");

    [Fact]
    public void Counter_counts_each_command_once_wherever_the_stream_is_split()
    {
        for (var split = 0; split <= Stream.Length; split++)
        {
            var (count, names) = Feed([Stream[..split], Stream[split..]]);
            Assert.Equal(4, count);
            Assert.Equal(["SET", "EVALSHA", "PING", "GET"], names);
        }
    }

    [Fact]
    public void Counter_counts_commands_fed_one_byte_at_a_time_and_inline_commands()
    {
        var (count, names) = Feed(Stream.Select(b => new[] { b }).Append(Encoding.ASCII.GetBytes("ping\r\n")).ToArray());

        Assert.Equal(5, count);
        Assert.Equal(["SET", "EVALSHA", "PING", "GET", "PING"], names);
    }

    [Fact]
    public void Commandstats_count_every_command_and_the_script_calls_but_not_the_readers_own_info()
    {
        var stats = RedisServerStats.Parse(
            "# Commandstats\r\ncmdstat_set:calls=3,usec=32,usec_per_call=10.67,rejected_calls=0,failed_calls=0\r\n" +
            "cmdstat_evalsha:calls=2,usec=173,usec_per_call=86.50,rejected_calls=0,failed_calls=0\r\n" +
            "cmdstat_info:calls=9,usec=98,usec_per_call=10.89,rejected_calls=0,failed_calls=0\r\n");

        Assert.Equal(new RedisServerStats(5, 2, CpuSeconds: 0, UsedMemory: 0), stats);
    }

    [Fact]
    public void Cpu_time_is_the_servers_user_and_system_time_without_its_children_and_memory_is_its_used_memory()
    {
        var info = string.Join("\r\n",
            "# CPU", "used_cpu_sys:2.500000", "used_cpu_user:10.250000", "used_cpu_sys_children:7.000000", "used_cpu_user_children:7.000000",
            "used_cpu_sys_main_thread:2.400000", "used_cpu_user_main_thread:10.200000", "",
            "# Memory", "used_memory:1048576", "used_memory_human:1.00M", "used_memory_rss:4194304", "used_memory_peak:2097152", "",
            "# Commandstats", "cmdstat_evalsha:calls=10,usec=300,usec_per_call=30.00,rejected_calls=0,failed_calls=0",
            "cmdstat_zadd:calls=10,usec=35,usec_per_call=3.50,rejected_calls=0,failed_calls=0",
            "cmdstat_info:calls=4,usec=80,usec_per_call=20.00,rejected_calls=0,failed_calls=0");

        var stats = RedisServerStats.Parse(info);

        Assert.Equal(new RedisServerStats(Total: 20, ScriptCalls: 10, CpuSeconds: 12.75, UsedMemory: 1_048_576), stats);
    }

    private static (long Count, List<string> Names) Feed(IEnumerable<byte[]> chunks)
    {
        var counter = new RespCommandCounter();
        var names = new List<string>();
        counter.Command += names.Add;
        foreach (var chunk in chunks)
        {
            counter.Feed(chunk);
        }

        return (counter.Count, names);
    }
}
