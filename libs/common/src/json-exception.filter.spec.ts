import { ArgumentsHost, BadRequestException, HttpException, HttpStatus, Logger, NotFoundException } from '@nestjs/common';
import { HeaderCarryingException, JsonExceptionFilter, carriesHeaders } from './json-exception.filter';

function fakeHost(headersSent = false) {
  const response = {
    headersSent,
    status: jest.fn(),
    json: jest.fn(),
    setHeader: jest.fn(),
    destroy: jest.fn(),
  };
  response.status.mockReturnValue(response);
  response.json.mockReturnValue(response);
  const host = {
    switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({}), getNext: () => undefined }),
  } as unknown as ArgumentsHost;
  return { host, response };
}

class RateLimitedException extends HttpException implements HeaderCarryingException {
  readonly responseHeaders = { 'Retry-After': '10', 'X-Reason': 'busy' };
  constructor() {
    super({ success: false, message: 'Too many concurrent transcodes' }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

describe('JsonExceptionFilter', () => {
  const filter = new JsonExceptionFilter();
  let logError: jest.SpyInstance;

  beforeEach(() => {
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    logError.mockRestore();
  });

  it.each([
    [new NotFoundException('No such transcode session'), 404, 'No such transcode session'],
    [new HttpException('plain string body', HttpStatus.CONFLICT), 409, 'plain string body'],
    [new HttpException({ success: false, message: 'end must be after start' }, 400), 400, 'end must be after start'],
    [new BadRequestException(), 400, 'Bad Request'],
  ])('keeps the status and message of an HttpException (%#)', (exception, status, message) => {
    const { host, response } = fakeHost();
    filter.catch(exception, host);
    expect(response.status).toHaveBeenCalledWith(status);
    expect(response.json).toHaveBeenCalledWith({ success: false, message });
    expect(response.setHeader).not.toHaveBeenCalled();
    expect(logError).not.toHaveBeenCalled();
  });

  it("falls back to the exception's own message when the body has none, and keeps the body's extra fields", () => {
    const { host, response } = fakeHost();
    filter.catch(new HttpException({ status: 'error', checks: { disk: 'down' } }, HttpStatus.SERVICE_UNAVAILABLE), host);
    expect(response.status).toHaveBeenCalledWith(503);
    expect(response.json).toHaveBeenCalledWith({
      status: 'error',
      checks: { disk: 'down' },
      success: false,
      message: 'Http Exception',
    });
  });

  it("drops Nest's statusCode/error echo and never lets a body override success or message", () => {
    const { host, response } = fakeHost();
    const body = { statusCode: 418, error: 'Teapot', success: true, message: 'short and stout' };
    filter.catch(new HttpException(body, HttpStatus.I_AM_A_TEAPOT), host);
    expect(response.json).toHaveBeenCalledWith({ success: false, message: 'short and stout' });
  });

  it("joins array messages (validation errors) with '; '", () => {
    const { host, response } = fakeHost();
    filter.catch(new BadRequestException(['start must be a number', 'end must be a number']), host);
    expect(response.status).toHaveBeenCalledWith(400);
    expect(response.json).toHaveBeenCalledWith({
      success: false,
      message: 'start must be a number; end must be a number',
    });
  });

  it('answers an unknown Error with a plain 500 and keeps the detail in the log only', () => {
    const { host, response } = fakeHost();
    const error = new Error('ENOENT: /secret/path/to/recordings');
    filter.catch(error, host);
    expect(response.status).toHaveBeenCalledWith(500);
    expect(response.json).toHaveBeenCalledWith({ success: false, message: 'Internal server error' });
    const body = JSON.stringify(response.json.mock.calls[0][0]);
    expect(body).not.toContain('ENOENT');
    expect(body).not.toContain('/secret/path');
    expect(body).not.toContain('at ');
    expect(logError).toHaveBeenCalledWith(error.stack);
  });

  it.each([['a string'], [undefined], [{ code: 42 }]])('answers a non-Error throw (%p) with a plain 500', (thrown) => {
    const { host, response } = fakeHost();
    filter.catch(thrown, host);
    expect(response.status).toHaveBeenCalledWith(500);
    expect(response.json).toHaveBeenCalledWith({ success: false, message: 'Internal server error' });
    expect(logError).toHaveBeenCalledTimes(1);
  });

  it('sets the headers a header-carrying exception brings, before sending the body', () => {
    const { host, response } = fakeHost();
    filter.catch(new RateLimitedException(), host);
    expect(response.setHeader).toHaveBeenCalledWith('Retry-After', '10');
    expect(response.setHeader).toHaveBeenCalledWith('X-Reason', 'busy');
    expect(response.setHeader).toHaveBeenCalledTimes(2);
    expect(response.status).toHaveBeenCalledWith(429);
    expect(response.json).toHaveBeenCalledWith({ success: false, message: 'Too many concurrent transcodes' });
    const lastHeader = Math.max(...response.setHeader.mock.invocationCallOrder);
    expect(lastHeader).toBeLessThan(response.json.mock.invocationCallOrder[0]);
  });

  it('only ends the socket when a streamed body has already started', () => {
    const { host, response } = fakeHost(true);
    filter.catch(new RateLimitedException(), host);
    expect(response.destroy).toHaveBeenCalledTimes(1);
    expect(response.status).not.toHaveBeenCalled();
    expect(response.json).not.toHaveBeenCalled();
    expect(response.setHeader).not.toHaveBeenCalled();
  });
});

describe('carriesHeaders', () => {
  it.each([
    [new RateLimitedException(), true],
    [{ responseHeaders: {} }, true],
    [new NotFoundException(), false],
    [new Error('x'), false],
    [null, false],
    [undefined, false],
    ['responseHeaders', false],
  ])('%p → %p', (value, expected) => {
    expect(carriesHeaders(value)).toBe(expected);
  });
});
