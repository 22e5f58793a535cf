// tar-stream's header codec (tar-stream/headers.js), which its published typings leave out.
declare module 'tar-stream/headers.js' {
  interface DecodedHeader {
    name: string;
    mode?: number;
    uid?: number;
    gid?: number;
    size?: number;
    mtime?: Date;
    type?: string;
    linkname?: string | null;
    uname?: string;
    gname?: string;
  }
  interface EncodeFields {
    name: string;
    mode: number;
    uid: number;
    gid: number;
    size: number;
    mtime: Date;
    type: string;
    uname: string;
    gname: string;
  }
  const headers: {
    decode(block: Buffer, filenameEncoding: string, allowUnknownFormat: boolean): DecodedHeader | null;
    encode(fields: EncodeFields): Buffer | null;
    decodePax(content: Buffer): Record<string, string>;
    encodePax(fields: { name: string }): Buffer;
  };
  export default headers;
}
