namespace Messaging.Stores.Cassandra;

/// <summary>A CQL consistency level, with its protocol v4 code.</summary>
public enum CassandraConsistency : ushort
{
    /// <summary>A write is stored by any node, hints included.</summary>
    Any = 0x0000,

    /// <summary>One replica.</summary>
    One = 0x0001,

    /// <summary>Two replicas.</summary>
    Two = 0x0002,

    /// <summary>Three replicas.</summary>
    Three = 0x0003,

    /// <summary>A majority of all replicas.</summary>
    Quorum = 0x0004,

    /// <summary>Every replica.</summary>
    All = 0x0005,

    /// <summary>A majority of the replicas in the coordinator's datacenter.</summary>
    LocalQuorum = 0x0006,

    /// <summary>A majority of the replicas in every datacenter.</summary>
    EachQuorum = 0x0007,

    /// <summary>The Paxos phase of a lightweight transaction across datacenters.</summary>
    Serial = 0x0008,

    /// <summary>The Paxos phase of a lightweight transaction in the local datacenter.</summary>
    LocalSerial = 0x0009,

    /// <summary>One replica in the local datacenter.</summary>
    LocalOne = 0x000A,
}
