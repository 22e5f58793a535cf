// tar-stream's header codec (tar-stream/headers.js), which its published typings leave out: its
// type is declared once, in tar.ts (TarHeaderCodec), where the one import of it is.
declare module 'tar-stream/headers.js' {
  const headers: unknown;
  export default headers;
}
