using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Messaging.Stores.S3;

/// <summary>
/// An <see cref="IBlobStore"/> on S3 or an S3-compatible server. An upload is an S3 multipart upload: appended bytes
/// are buffered until a part of <see cref="S3BlobStoreOptions.PartSize"/> (at least the 5 MiB S3 minimum) can be
/// sent; completion sends the smaller last part and completes the multipart upload into one object.
/// </summary>
/// <remarks>
/// Open uploads (the part list and the unsent tail) live in this instance's memory: they do not survive a restart and
/// need sticky routing of a client's requests to one node. Completed blobs are plain objects any instance can read.
/// A client passed to the constructor belongs to the caller and is never disposed here.
/// </remarks>
public sealed class S3BlobStore : IBlobStore, IDisposable
{
    private const int ReadBufferSize = 81_920;
    private readonly IAmazonS3 _s3;
    private readonly bool _ownsClient;
    private readonly S3BlobStoreOptions _options;
    private readonly ConcurrentDictionary<string, S3UploadSession> _uploads = new(StringComparer.Ordinal);

    /// <summary>Creates the store with its own S3 client built from <paramref name="options"/>.</summary>
    /// <param name="options">The options.</param>
    public S3BlobStore(S3BlobStoreOptions options)
        : this(CreateClient(options), options, ownsClient: true)
    {
    }

    /// <summary>Creates the store on a client the caller owns (and disposes).</summary>
    /// <param name="client">The S3 client.</param>
    /// <param name="options">The options (the client settings in them are not used).</param>
    public S3BlobStore(IAmazonS3 client, S3BlobStoreOptions options)
        : this(client, options, ownsClient: false)
    {
    }

    private S3BlobStore(IAmazonS3 client, S3BlobStoreOptions options, bool ownsClient)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.BucketName);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PartSize, S3BlobStoreOptions.MinimumPartSize);
        _s3 = client;
        _options = options;
        _ownsClient = ownsClient;
    }

    /// <summary>Whether the server refused to abort a multipart upload (some S3-compatible servers cannot); see the README.</summary>
    public bool AbortUnsupported { get; private set; }

    /// <inheritdoc />
    public async ValueTask CreateAsync(string blobId, long length, string contentType, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        var key = S3Keys.Blob(_options.KeyPrefix, blobId);
        var started = await _s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = _options.BucketName,
            Key = key,
            ContentType = contentType,
        }, cancellationToken).ConfigureAwait(false);

        if (!_uploads.TryAdd(blobId, new S3UploadSession(key, started.UploadId, length)))
        {
            await AbortAsync(key, started.UploadId).ConfigureAwait(false);
            throw new InvalidOperationException($"An upload with id {blobId} exists.");
        }
    }

    /// <inheritdoc />
    public async ValueTask<BlobUploadState?> GetStateAsync(string blobId, CancellationToken cancellationToken = default)
    {
        if (!BlobIds.IsValid(blobId))
        {
            return null;
        }

        if (_uploads.TryGetValue(blobId, out var session))
        {
            return new BlobUploadState(session.Length, session.Offset, Completed: false);
        }

        var length = await GetObjectLengthAsync(blobId, cancellationToken).ConfigureAwait(false);
        return length is { } bytes ? new BlobUploadState(bytes, bytes, Completed: true) : null;
    }

    /// <inheritdoc />
    public async ValueTask<long> AppendAsync(string blobId, long offset, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var session = await RequireSessionAsync(blobId, cancellationToken).ConfigureAwait(false);
        if (!await session.Gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            throw new MediaOffsetConflictException(-1, "Another append to this upload is in progress.");
        }

        try
        {
            if (session.Offset != offset)
            {
                throw new MediaOffsetConflictException(session.Offset, $"The upload is at offset {session.Offset}.");
            }

            await AppendLockedAsync(session, content, cancellationToken).ConfigureAwait(false);
            return session.Offset;
        }
        finally
        {
            session.Gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<string> CompleteAsync(string blobId, CancellationToken cancellationToken = default)
    {
        if (_uploads.TryGetValue(blobId, out var session))
        {
            await session.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (session.Offset != session.Length)
                {
                    throw new MediaOffsetConflictException(session.Offset, $"Only {session.Offset} of {session.Length} bytes are stored.");
                }

                if (session.Tail.Length > 0 || session.Parts.Count == 0)
                {
                    session.Parts.Add(await UploadPartAsync(session, session.Parts.Count + 1, session.Tail, session.Tail.Length, cancellationToken).ConfigureAwait(false));
                    session.PartBytes += session.Tail.Length;
                    session.Tail = [];
                }

                await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
                {
                    BucketName = _options.BucketName,
                    Key = session.Key,
                    UploadId = session.UploadId,
                    PartETags = [.. session.Parts],
                }, cancellationToken).ConfigureAwait(false);
                _uploads.TryRemove(blobId, out _);
            }
            finally
            {
                session.Gate.Release();
            }
        }

        // The hash is taken from what S3 stored, so a server that corrupted the bytes shows it here.
        var stream = await OpenReadAsync(blobId, 0, null, cancellationToken).ConfigureAwait(false) ?? throw new MessagingNotFoundException("Upload not found.");
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <inheritdoc />
    public async ValueTask<Stream?> OpenReadAsync(string blobId, long offset = 0, long? count = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (!BlobIds.IsValid(blobId) || _uploads.ContainsKey(blobId))
        {
            return null;
        }

        var length = await GetObjectLengthAsync(blobId, cancellationToken).ConfigureAwait(false);
        if (length is not { } total)
        {
            return null;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, total);
        var end = Math.Min(total, offset + (count ?? total - offset));
        if (end <= offset)
        {
            return new MemoryStream([], writable: false);
        }

        try
        {
            var response = await _s3.GetObjectAsync(new GetObjectRequest
            {
                BucketName = _options.BucketName,
                Key = S3Keys.Blob(_options.KeyPrefix, blobId),
                ByteRange = new ByteRange(offset, end - 1),
            }, cancellationToken).ConfigureAwait(false);
            return response.ResponseStream;
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string blobId, CancellationToken cancellationToken = default)
    {
        if (!BlobIds.IsValid(blobId))
        {
            return false;
        }

        if (_uploads.TryRemove(blobId, out var session))
        {
            await AbortAsync(session.Key, session.UploadId).ConfigureAwait(false);
            return true;
        }

        if (await GetObjectLengthAsync(blobId, cancellationToken).ConfigureAwait(false) is null)
        {
            return false;
        }

        await _s3.DeleteObjectAsync(_options.BucketName, S3Keys.Blob(_options.KeyPrefix, blobId), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Disposes the S3 client when this store created it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _s3.Dispose();
        }
    }

    private static AmazonS3Client CreateClient(S3BlobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = options.RequestChecksumCalculation,
            ResponseChecksumValidation = options.ResponseChecksumValidation,
        };

        if (options.ServiceUrl is { } serviceUrl)
        {
            config.ServiceURL = serviceUrl.ToString();
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        return options.AccessKey is { } accessKey && options.SecretKey is { } secretKey
            ? new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), config)
            : new AmazonS3Client(config);
    }

    // Reads the chunk into the tail and sends a part whenever the tail reaches the part size. Nothing of a chunk that
    // overruns the declared length is kept (parts sent for it are left out of the upload and later overwritten); when
    // the source fails, what was received is kept so the client can resume after it.
    private async Task AppendLockedAsync(S3UploadSession session, Stream content, CancellationToken cancellationToken)
    {
        var remaining = session.Length - session.Offset;
        var pending = new MemoryStream();
        pending.Write(session.Tail);
        var sent = new List<PartETag>();
        long sentBytes = 0, received = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        try
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (received + read > remaining)
                {
                    throw new MediaLengthExceededException($"The chunk goes past the declared length of {session.Length} bytes.");
                }

                pending.Write(buffer, 0, read);
                received += read;
                if (pending.Length >= _options.PartSize)
                {
                    var partNumber = session.Parts.Count + sent.Count + 1;
                    sent.Add(await UploadPartAsync(session, partNumber, pending.GetBuffer(), (int)pending.Length, cancellationToken).ConfigureAwait(false));
                    sentBytes += pending.Length;
                    pending.SetLength(0);
                }
            }
        }
        catch (Exception exception) when (exception is not MediaLengthExceededException)
        {
            Keep(session, sent, sentBytes, pending);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Keep(session, sent, sentBytes, pending);
    }

    private static void Keep(S3UploadSession session, List<PartETag> sent, long sentBytes, MemoryStream pending)
    {
        session.Parts.AddRange(sent);
        session.PartBytes += sentBytes;
        session.Tail = pending.ToArray();
    }

    private async Task<PartETag> UploadPartAsync(S3UploadSession session, int partNumber, byte[] bytes, int count, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(bytes, 0, count, writable: false);
        var response = await _s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = _options.BucketName,
            Key = session.Key,
            UploadId = session.UploadId,
            PartNumber = partNumber,
            PartSize = count,
            InputStream = body,
            UseChunkEncoding = _options.UseChunkEncoding,
        }, cancellationToken).ConfigureAwait(false);
        return new PartETag(partNumber, response.ETag);
    }

    private async ValueTask<S3UploadSession> RequireSessionAsync(string blobId, CancellationToken cancellationToken)
    {
        if (BlobIds.IsValid(blobId) && _uploads.TryGetValue(blobId, out var session))
        {
            return session;
        }

        if (await GetStateAsync(blobId, cancellationToken).ConfigureAwait(false) is { Completed: true } state)
        {
            throw new MediaOffsetConflictException(state.Offset, "The upload is complete.");
        }

        throw new MessagingNotFoundException("Upload not found.");
    }

    private async ValueTask<long?> GetObjectLengthAsync(string blobId, CancellationToken cancellationToken)
    {
        try
        {
            var metadata = await _s3.GetObjectMetadataAsync(_options.BucketName, S3Keys.Blob(_options.KeyPrefix, blobId), cancellationToken).ConfigureAwait(false);
            return metadata.ContentLength;
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task AbortAsync(string key, string uploadId)
    {
        try
        {
            await _s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = _options.BucketName, Key = key, UploadId = uploadId }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (AmazonS3Exception exception) when (exception.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
        {
            // Some S3-compatible servers cannot abort: the upload is forgotten here and never completed, so its parts
            // are never an object; a bucket lifecycle rule (AbortIncompleteMultipartUpload) reclaims them on AWS.
            AbortUnsupported = true;
        }
    }
}
