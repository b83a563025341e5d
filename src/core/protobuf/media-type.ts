/** Kubernetes' protobuf media type, as the API server names it in Accept and Content-Type. */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
