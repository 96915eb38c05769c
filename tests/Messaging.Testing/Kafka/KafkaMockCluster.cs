using System.Runtime.InteropServices;
using System.Text;

namespace Messaging.Testing.Kafka;

/// <summary>
/// A Kafka cluster for tests: librdkafka's mock cluster (<c>rd_kafka_mock_cluster_new</c>), a real Kafka protocol
/// implementation with several brokers listening on loopback TCP, produce/fetch/offset/group APIs, idempotent
/// producers and error injection. It runs inside librdkafka itself, created through its C API from the very native
/// library Confluent.Kafka loaded (the caller passes that library's path), so the clients under test talk to it over
/// real sockets exactly as to a broker.
/// </summary>
/// <remarks>
/// <para>
/// The cluster lives on a producer handle made with <c>rd_kafka_new</c>, as librdkafka's own mock examples do.
/// Topics are created automatically on a client's metadata request (4 partitions, replication factor 3 or the broker
/// count), or explicitly with <see cref="CreateTopic"/>.
/// </para>
/// <para>
/// Limits tests must respect: it keeps everything in memory and nothing survives <see cref="Dispose"/> (a "cluster
/// restart" is a new, empty cluster on new ports, so restart tests restart clients and brokers, never the cluster);
/// <see cref="SetBrokerDown"/> only closes a broker's connections and refuses new ones, without moving partition
/// leadership (use <see cref="SetPartitionLeader"/> for that); replication is simulated (a leader change never loses an
/// acknowledged record); transactions and the admin API's topic creation are only partly supported; an idle fetch is
/// answered after the client's <c>fetch.wait.max.ms</c>, not as soon as a record arrives; an idempotent producer's
/// sequence numbers are checked only when it is transactional, so a produce request sent again after a lost answer is
/// written twice (a real broker keeps one copy).
/// </para>
/// </remarks>
public sealed unsafe class KafkaMockCluster : IDisposable
{
    private const int ProducerType = 0;
    private const int ConfigOk = 0;

    private readonly nint _library;
    private readonly delegate* unmanaged<nint, short, nuint, int*, void> _pushRequestErrors;
    private readonly delegate* unmanaged<nint, int, int> _brokerDown;
    private readonly delegate* unmanaged<nint, int, int> _brokerUp;
    private readonly delegate* unmanaged<nint, int, short, nuint, int, int, int> _pushBrokerErrorRtts;
    private readonly delegate* unmanaged<nint, byte*, int, int, int> _partitionLeader;
    private readonly delegate* unmanaged<nint, byte*, int, int, int> _topicCreate;
    private readonly delegate* unmanaged<nint, void> _clusterDestroy;
    private readonly delegate* unmanaged<nint, void> _clientDestroy;
    private nint _client;
    private nint _cluster;

    private KafkaMockCluster(string libraryPath, int brokers)
    {
        _library = NativeLibrary.Load(libraryPath);
        try
        {
            var confNew = (delegate* unmanaged<nint>)Export("rd_kafka_conf_new");
            var confSet = (delegate* unmanaged<nint, byte*, byte*, byte*, nuint, int>)Export("rd_kafka_conf_set");
            var clientNew = (delegate* unmanaged<int, nint, byte*, nuint, nint>)Export("rd_kafka_new");
            var clusterNew = (delegate* unmanaged<nint, int, nint>)Export("rd_kafka_mock_cluster_new");
            var bootstraps = (delegate* unmanaged<nint, byte*>)Export("rd_kafka_mock_cluster_bootstraps");
            _pushRequestErrors = (delegate* unmanaged<nint, short, nuint, int*, void>)Export("rd_kafka_mock_push_request_errors_array");
            _brokerDown = (delegate* unmanaged<nint, int, int>)Export("rd_kafka_mock_broker_set_down");
            _brokerUp = (delegate* unmanaged<nint, int, int>)Export("rd_kafka_mock_broker_set_up");
            // Variadic in C (pairs of error code and delay after the count); called here with exactly one pair, which
            // the x64 System V convention passes in the same registers as a fixed parameter list.
            _pushBrokerErrorRtts = (delegate* unmanaged<nint, int, short, nuint, int, int, int>)Export("rd_kafka_mock_broker_push_request_error_rtts");
            _partitionLeader = (delegate* unmanaged<nint, byte*, int, int, int>)Export("rd_kafka_mock_partition_set_leader");
            _topicCreate = (delegate* unmanaged<nint, byte*, int, int, int>)Export("rd_kafka_mock_topic_create");
            _clusterDestroy = (delegate* unmanaged<nint, void>)Export("rd_kafka_mock_cluster_destroy");
            _clientDestroy = (delegate* unmanaged<nint, void>)Export("rd_kafka_destroy");

            var errors = stackalloc byte[512];
            var conf = confNew();

            // The handle only hosts the cluster: it never connects anywhere, so its own log is of no interest.
            fixed (byte* name = "log_level\0"u8, value = "3\0"u8)
            {
                if (confSet(conf, name, value, errors, 512) != ConfigOk)
                {
                    throw new InvalidOperationException("rd_kafka_conf_set failed: " + Marshal.PtrToStringUTF8((nint)errors));
                }
            }

            // rd_kafka_new owns the configuration from here, also when it fails.
            _client = clientNew(ProducerType, conf, errors, 512);
            if (_client == 0)
            {
                throw new InvalidOperationException("rd_kafka_new failed: " + Marshal.PtrToStringUTF8((nint)errors));
            }

            _cluster = clusterNew(_client, brokers);
            if (_cluster == 0)
            {
                throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
            }

            BrokerCount = brokers;
            BootstrapServers = Marshal.PtrToStringUTF8((nint)bootstraps(_cluster)) ?? throw new InvalidOperationException("The mock cluster has no bootstrap servers.");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The brokers as <c>host:port</c> pairs on loopback, comma-separated (Kafka's <c>bootstrap.servers</c>).</summary>
    public string BootstrapServers { get; } = "";

    /// <summary>How many brokers the cluster has (ids 1 to <see cref="BrokerCount"/>).</summary>
    public int BrokerCount { get; }

    /// <summary>Starts a cluster.</summary>
    /// <param name="libraryPath">The librdkafka the clients under test loaded (so both share one copy of it).</param>
    /// <param name="brokers">How many brokers (at least 1).</param>
    /// <returns>The running cluster.</returns>
    public static KafkaMockCluster Start(string libraryPath, int brokers = 3)
    {
        ArgumentException.ThrowIfNullOrEmpty(libraryPath);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(brokers);
        return new KafkaMockCluster(libraryPath, brokers);
    }

    /// <summary>
    /// Makes the next requests of a kind fail, one error each, in order (<c>rd_kafka_mock_push_request_errors</c>),
    /// on whichever broker receives them.
    /// </summary>
    /// <param name="api">The request kind.</param>
    /// <param name="errors">Kafka error codes (see <see cref="KafkaErrorCodes"/>).</param>
    public void PushRequestErrors(KafkaApiKey api, params int[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        fixed (int* codes = errors)
        {
            _pushRequestErrors(Cluster, (short)api, (nuint)errors.Length, codes);
        }
    }

    /// <summary>Disconnects a broker and refuses new connections to it; leadership does not move.</summary>
    /// <param name="brokerId">1 to <see cref="BrokerCount"/>.</param>
    public void SetBrokerDown(int brokerId) => Check(_brokerDown(Cluster, brokerId), "rd_kafka_mock_broker_set_down");

    /// <summary>Lets a broker accept connections again.</summary>
    /// <param name="brokerId">1 to <see cref="BrokerCount"/>.</param>
    public void SetBrokerUp(int brokerId) => Check(_brokerUp(Cluster, brokerId), "rd_kafka_mock_broker_set_up");

    /// <summary>
    /// Delays a broker's answers to its next requests of a kind (<c>rd_kafka_mock_broker_push_request_error_rtts</c>
    /// with no error): it carries each request out as it arrives (a produce request is written at once) but answers it
    /// only after the delay, so a client whose request timeout is shorter gives up on a request the broker carried out.
    /// Other kinds of requests are answered at once.
    /// </summary>
    /// <param name="brokerId">1 to <see cref="BrokerCount"/>.</param>
    /// <param name="api">The request kind.</param>
    /// <param name="count">How many of the next requests of that kind.</param>
    /// <param name="delay">The delay of each answer.</param>
    public void DelayNextAnswers(int brokerId, KafkaApiKey api, int count, TimeSpan delay)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException("Delayed answers call a variadic C function, done here only for x64 Linux.");
        }

        for (var i = 0; i < count; i++)
        {
            Check(_pushBrokerErrorRtts(Cluster, brokerId, (short)api, 1, 0, (int)delay.TotalMilliseconds), "rd_kafka_mock_broker_push_request_error_rtts");
        }
    }

    /// <summary>Moves a partition's leadership to another broker (creating the topic when it does not exist).</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="brokerId">The new leader.</param>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        fixed (byte* name = Utf8(topic))
        {
            Check(_partitionLeader(Cluster, name, partition, brokerId), "rd_kafka_mock_partition_set_leader");
        }
    }

    /// <summary>Creates a topic.</summary>
    /// <param name="topic">The name.</param>
    /// <param name="partitions">How many partitions.</param>
    /// <param name="replicationFactor">How many replicas (at most the broker count).</param>
    public void CreateTopic(string topic, int partitions, int replicationFactor)
    {
        fixed (byte* name = Utf8(topic))
        {
            Check(_topicCreate(Cluster, name, partitions, replicationFactor), "rd_kafka_mock_topic_create");
        }
    }

    /// <summary>Destroys the cluster (its brokers close their sockets and forget everything) and its handle.</summary>
    public void Dispose()
    {
        if (_cluster != 0)
        {
            _clusterDestroy(_cluster);
            _cluster = 0;
        }

        if (_client != 0)
        {
            _clientDestroy(_client);
            _client = 0;
        }
    }

    private nint Cluster => _cluster != 0 ? _cluster : throw new ObjectDisposedException(nameof(KafkaMockCluster));

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"{call} failed with librdkafka error {error}.");
        }
    }

    private nint Export(string name) => NativeLibrary.GetExport(_library, name);
}

/// <summary>Kafka protocol request kinds (API keys) the mock cluster can fail on purpose.</summary>
public enum KafkaApiKey : short
{
    /// <summary>ProduceRequest.</summary>
    Produce = 0,

    /// <summary>FetchRequest.</summary>
    Fetch = 1,

    /// <summary>ListOffsetsRequest.</summary>
    ListOffsets = 2,

    /// <summary>MetadataRequest.</summary>
    Metadata = 3,

    /// <summary>OffsetCommitRequest.</summary>
    OffsetCommit = 8,

    /// <summary>OffsetFetchRequest.</summary>
    OffsetFetch = 9,
}

/// <summary>Kafka protocol error codes (and librdkafka's local ones) used to inject faults.</summary>
public static class KafkaErrorCodes
{
    /// <summary>librdkafka's local transport failure: the mock broker closes the connection instead of answering.</summary>
    public const int Transport = -195;

    /// <summary>LEADER_NOT_AVAILABLE (retriable).</summary>
    public const int LeaderNotAvailable = 5;

    /// <summary>NOT_LEADER_OR_FOLLOWER (retriable; the client refreshes metadata).</summary>
    public const int NotLeaderOrFollower = 6;

    /// <summary>REQUEST_TIMED_OUT (retriable).</summary>
    public const int RequestTimedOut = 7;

    /// <summary>NOT_ENOUGH_REPLICAS (retriable).</summary>
    public const int NotEnoughReplicas = 19;
}
