import {describe, expect, it} from 'vitest'
import {idPart, doctorId, specialtyId} from '../ids.ts'
import {doctorDisplayName, doctorKey} from '../names.ts'

describe('doctorDisplayName', () => {
  it('drops the "Dr." prefix with or without a space after it', () => {
    for (const printed of ['Dr. Lan Shengxing', 'Dr.Lan Shengxing', 'DR. Lan Shengxing'])
      expect(doctorDisplayName(printed)).toBe('Lan Shengxing')
    expect(doctorDisplayName('Dr Lan Shengxing')).toBe('Lan Shengxing')
    expect(doctorDisplayName('dr.  Lan  Shengxing')).toBe('Lan Shengxing')
  })

  it('keeps names that only start like the prefix', () => {
    expect(doctorDisplayName('Drake Lin')).toBe('Drake Lin')
    expect(doctorDisplayName('Professorson Wu')).toBe('Professorson Wu')
  })
})

describe('doctorKey', () => {
  it('gives every spelling of a doctor the same key', () => {
    const keys = [
      'Dr. Lan Shengxing',
      'Dr.Lan Shengxing',
      'DR.LAN SHENGXING',
      'Dr Lan Sheng-xing',
      'Lan Sheng Xing',
    ].map(doctorKey)
    expect(new Set(keys)).toEqual(new Set(['lanshengxing']))
    expect(doctorId('Dr.Lan Shengxing')).toBe(doctorId('Dr. Lan Shengxing'))
  })
})

describe('idPart', () => {
  it('keeps ASCII keys, so ids of Latin names never change', () => {
    expect(specialtyId('Neurology')).toBe('specialty-neurology')
    expect(specialtyId('Médecine générale')).toBe('specialty-medecine-generale')
    expect(doctorId('Dr. Lan Shengxing')).toBe('doctor-lanshengxing')
  })

  it('gives keys in other scripts a stable, distinct, id-safe part', () => {
    const parts = ['神经内科', '神经外科', 'неврология', 'ent-耳鼻喉'].map((key) => idPart(key))
    for (const part of parts) expect(part).toMatch(/^[a-z0-9-]{1,60}$/)
    expect(new Set(parts).size).toBe(4)
    expect(idPart('神经内科')).toBe(parts[0])
    expect(parts[3]).toMatch(/^ent-[0-9a-f]{12}$/)
    expect(specialtyId('Неврология')).toBe(specialtyId('неврология'))
    expect(specialtyId('???')).toMatch(/^specialty-[0-9a-f]{12}$/)
  })
})
