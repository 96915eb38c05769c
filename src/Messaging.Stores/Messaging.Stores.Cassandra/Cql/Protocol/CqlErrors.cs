namespace Messaging.Stores.Cassandra.Cql.Protocol;

/// <summary>Maps an ERROR response onto the typed exceptions of the package.</summary>
internal static class CqlErrors
{
    public static CassandraException ToException(ErrorResponse error)
    {
        var message = $"Cassandra error 0x{error.Code:X4}: {error.Message}";
        return error.Code switch
        {
            CqlErrorCodes.Unavailable => new CassandraUnavailableException(message, error.Consistency.GetValueOrDefault(), error.Required, error.Alive),
            CqlErrorCodes.WriteTimeout => Replica(CassandraErrorKind.WriteTimeout, error, message),
            CqlErrorCodes.ReadTimeout => Replica(CassandraErrorKind.ReadTimeout, error, message),
            CqlErrorCodes.ReadFailure => Replica(CassandraErrorKind.ReadFailure, error, message),
            CqlErrorCodes.WriteFailure => Replica(CassandraErrorKind.WriteFailure, error, message),
            CqlErrorCodes.AlreadyExists => new CassandraAlreadyExistsException(message, error.Keyspace ?? string.Empty, string.IsNullOrEmpty(error.Name) ? null : error.Name),
            _ => new CassandraException(KindOf(error.Code), message, error.Code),
        };
    }

    public static CassandraErrorKind KindOf(int code) => code switch
    {
        CqlErrorCodes.ProtocolError => CassandraErrorKind.ProtocolError,
        CqlErrorCodes.BadCredentials => CassandraErrorKind.BadCredentials,
        CqlErrorCodes.Unavailable => CassandraErrorKind.Unavailable,
        CqlErrorCodes.Overloaded => CassandraErrorKind.Overloaded,
        CqlErrorCodes.IsBootstrapping => CassandraErrorKind.IsBootstrapping,
        CqlErrorCodes.TruncateError => CassandraErrorKind.TruncateError,
        CqlErrorCodes.WriteTimeout => CassandraErrorKind.WriteTimeout,
        CqlErrorCodes.ReadTimeout => CassandraErrorKind.ReadTimeout,
        CqlErrorCodes.ReadFailure => CassandraErrorKind.ReadFailure,
        CqlErrorCodes.FunctionFailure => CassandraErrorKind.FunctionFailure,
        CqlErrorCodes.WriteFailure => CassandraErrorKind.WriteFailure,
        CqlErrorCodes.SyntaxError => CassandraErrorKind.SyntaxError,
        CqlErrorCodes.Unauthorized => CassandraErrorKind.Unauthorized,
        CqlErrorCodes.Invalid => CassandraErrorKind.Invalid,
        CqlErrorCodes.ConfigError => CassandraErrorKind.ConfigError,
        CqlErrorCodes.AlreadyExists => CassandraErrorKind.AlreadyExists,
        CqlErrorCodes.Unprepared => CassandraErrorKind.Unprepared,
        _ => CassandraErrorKind.ServerError,
    };

    private static CassandraReplicaException Replica(CassandraErrorKind kind, ErrorResponse error, string message) =>
        new(kind, error.Code, message, error.Consistency.GetValueOrDefault(), error.Received, error.BlockFor, error.Failures, error.WriteType, error.DataPresent);
}
